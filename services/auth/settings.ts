import {
  ConfigError,
  type ConfigOf,
  ConfigProblem,
  int,
  optionalStr,
  str,
  type VarSpec,
} from "../config/env.js";
import type { AudiencePolicy } from "./claims.js";

/** A comma-separated list; empty when unset. */
const list = (): VarSpec<readonly string[]> => ({
  parse: (raw) =>
    (raw ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
});

const url = (required: string): VarSpec<string> => ({
  parse: (raw, name) => {
    if (raw === undefined || raw === "")
      return new ConfigProblem(`${name} is required: ${required}`);
    return URL.canParse(raw) ? raw : new ConfigProblem(`${name} must be a URL, got "${raw}"`);
  },
});

/**
 * The token-issuer variables of both APIs: spread into the deployable's `readConfig` spec, so
 * that a task started without them refuses to start with the one error that lists everything
 * to set. There is no variable that switches verification off.
 */
export const authVariables = {
  AUTH_ISSUER: url(
    "the token issuer (Cognito: https://cognito-idp.<region>.amazonaws.com/<user pool id>), with AUTH_CLIENT_IDS (Cognito) or AUTH_AUDIENCES (another OIDC issuer)",
  ),
  AUTH_JWKS_URL: optionalStr(),
  AUTH_AUDIENCES: list(),
  AUTH_CLIENT_IDS: list(),
  AUTH_SCOPE_PREFIX: str(""),
  AUTH_CLOCK_SKEW_SECONDS: int(60, 0, 600),
};

export interface AuthSettings {
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly audience: AudiencePolicy;
  readonly scopePrefix: string;
  readonly clockSkewSeconds: number;
}

type AuthConfig = ConfigOf<typeof authVariables>;

/** The settings from a parsed config; a config that accepts no audience and no client throws. */
export const authSettingsOf = (c: AuthConfig): AuthSettings => {
  if (c.AUTH_AUDIENCES.length === 0 && c.AUTH_CLIENT_IDS.length === 0) {
    throw new ConfigError([
      "AUTH_CLIENT_IDS (Cognito app client ids) or AUTH_AUDIENCES (the aud of another OIDC issuer) is required",
    ]);
  }
  return {
    issuer: c.AUTH_ISSUER,
    jwksUrl: c.AUTH_JWKS_URL ?? `${c.AUTH_ISSUER.replace(/\/+$/, "")}/.well-known/jwks.json`,
    audience: { audiences: c.AUTH_AUDIENCES, clientIds: c.AUTH_CLIENT_IDS },
    scopePrefix: c.AUTH_SCOPE_PREFIX,
    clockSkewSeconds: c.AUTH_CLOCK_SKEW_SECONDS,
  };
};
