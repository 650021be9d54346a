import type { Clock } from "../clock/clock.js";
import type { Logger } from "../logging/logger.js";
import { type AccessControl, bearerTokens } from "./bearer.js";
import { JwksCache } from "./jwks-cache.js";
import type { AuthSettings } from "./settings.js";
import { createTokenVerifier, DEFAULT_VERIFIED_TOKENS } from "./token-verifier.js";

/** What a deployable's `main.ts` mounts: bearer tokens checked against the configured issuer. */
export const issuerAccessControl = (
  settings: AuthSettings,
  { logger, clock }: { readonly logger?: Logger; readonly clock?: Clock } = {},
): AccessControl =>
  bearerTokens({
    verify: createTokenVerifier({
      issuer: settings.issuer,
      audience: settings.audience,
      keys: new JwksCache({ url: settings.jwksUrl, logger, clock }).getKey,
      clockSkewSeconds: settings.clockSkewSeconds,
      scopePrefix: settings.scopePrefix,
      clock,
      remember: DEFAULT_VERIFIED_TOKENS,
    }),
  });
