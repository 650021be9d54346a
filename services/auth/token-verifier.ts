import { errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import { LRUCache } from "lru-cache";
import { err, ok, type Result } from "neverthrow";
import { type Clock, systemClock } from "../clock/clock.js";
import type { Caller } from "./caller.js";
import { type AudiencePolicy, callerOf, checkAudience } from "./claims.js";
import { KeysUnavailableError } from "./jwks-cache.js";

/** Asymmetric only: never `none`, never HMAC (whose secret could be mistaken for a public key). */
export const ACCEPTED_ALGORITHMS = ["RS256", "ES256"] as const;

export type TokenFailure =
  /** Bad signature, wrong issuer or audience, expired, not yet valid, malformed: 401. */
  | { readonly kind: "InvalidToken"; readonly reason: string }
  /** The token needs a key the issuer cannot give us right now: 503, the caller may retry. */
  | { readonly kind: "KeysUnavailable"; readonly reason: string };

export interface TokenVerifierOptions {
  readonly issuer: string;
  readonly audience: AudiencePolicy;
  /** Resolves the signing key, normally `new JwksCache({ url }).getKey`. */
  readonly keys: JWTVerifyGetKey;
  /** Tolerance for `exp` and `nbf` between the issuer's clock and ours. */
  readonly clockSkewSeconds?: number;
  /** Resource-server prefix of the scopes (Cognito: `<identifier>/`). */
  readonly scopePrefix?: string;
  /** Epoch milliseconds (the system clock is). */
  readonly clock?: Clock;
  /** Remembers verified tokens (see `VerifiedTokens`); absent: every request is verified. */
  readonly remember?: VerifiedTokens;
}

/**
 * A client sends the same access token with every request for its lifetime (an hour with
 * Cognito), and checking its signature is most of what authentication costs. A token that
 * verified is remembered, by its exact text, until it expires or `maxAgeMs` has passed,
 * whichever comes first: a key withdrawn from the JWKS stops it within `maxAgeMs`, as it
 * would once the key cache refreshes. Failures are never remembered.
 */
export interface VerifiedTokens {
  readonly maxTokens: number;
  readonly maxAgeMs: number;
}

export const DEFAULT_VERIFIED_TOKENS: VerifiedTokens = Object.freeze({
  maxTokens: 10_000,
  maxAgeMs: 5 * 60_000,
});

export type TokenVerifier = (token: string) => Promise<Result<Caller, TokenFailure>>;

const invalid = (reason: string) => err<Caller, TokenFailure>({ kind: "InvalidToken", reason });

/** Verifies signature, issuer, expiry, not-before and audience, then names the caller. */
export const createTokenVerifier = ({
  issuer,
  audience,
  keys,
  clockSkewSeconds = 60,
  scopePrefix = "",
  clock = systemClock,
  remember,
}: TokenVerifierOptions): TokenVerifier => {
  const verified = remember
    ? new LRUCache<string, { readonly caller: Caller; readonly until: number }>({
        max: remember.maxTokens,
      })
    : undefined;
  return async (token) => {
    const known = verified?.get(token);
    if (known) {
      if (clock.now() < known.until) return ok(known.caller);
      verified?.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer,
        algorithms: [...ACCEPTED_ALGORITHMS],
        clockTolerance: clockSkewSeconds,
        currentDate: new Date(clock.now()),
        requiredClaims: ["exp"],
      });
      const audienceCheck = checkAudience(payload, audience);
      if (audienceCheck.isErr()) return invalid(audienceCheck.error);
      const caller = callerOf(payload, scopePrefix);
      if (caller.isErr()) return invalid(caller.error);
      if (verified && remember && payload.exp !== undefined) {
        const until = Math.min(payload.exp * 1000, clock.now() + remember.maxAgeMs);
        verified.set(token, { caller: caller.value, until });
      }
      return ok(caller.value);
    } catch (e) {
      if (e instanceof KeysUnavailableError) {
        return err({ kind: "KeysUnavailable", reason: e.message });
      }
      if (e instanceof errors.JOSEError) return invalid(e.message);
      throw e;
    }
  };
};
