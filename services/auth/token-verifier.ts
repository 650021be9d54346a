import { errors, type JWTVerifyGetKey, jwtVerify } from "jose";
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
}

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
}: TokenVerifierOptions): TokenVerifier => {
  return async (token) => {
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
      return caller.isOk() ? ok(caller.value) : invalid(caller.error);
    } catch (e) {
      if (e instanceof KeysUnavailableError) {
        return err({ kind: "KeysUnavailable", reason: e.message });
      }
      if (e instanceof errors.JOSEError) return invalid(e.message);
      throw e;
    }
  };
};
