import type { Context, MiddlewareHandler } from "hono";
import { problemResponse } from "../http/problem.js";
import type { Caller, Scope } from "./caller.js";
import type { TokenVerifier } from "./token-verifier.js";

/** The realm named in every `WWW-Authenticate` challenge. */
export const REALM = "item-service";

export interface RequireOptions {
  /** Exact paths that stay open (health checks, OpenAPI documents). */
  readonly except?: readonly string[];
}

/**
 * The door of an API: `require(scope)` is a middleware that lets a request through only with a
 * valid bearer token granting `scope`, and puts its `Caller` in `c.var.caller`. Deployables get
 * `bearerTokens`; there is no implementation that lets requests through unverified outside tests.
 */
export interface AccessControl {
  /** Sets `caller` (see `CallerVariables`) for the handlers after it. */
  require(scope: Scope, options?: RequireOptions): MiddlewareHandler;
}

type ChallengeError = "invalid_token" | "insufficient_scope";

const challenge = (realm: string, error?: ChallengeError, scope?: Scope): string =>
  [
    `Bearer realm="${realm}"`,
    ...(error ? [`error="${error}"`] : []),
    ...(scope ? [`scope="${scope}"`] : []),
  ].join(", ");

/** 401 (no or a bad token) or 403 (valid, lacks the scope), with the RFC 6750 challenge. */
const refuse = (
  c: Context,
  realm: string,
  kind: "unauthorized" | "insufficient-scope",
  detail: string,
  error?: ChallengeError,
  scope?: Scope,
): Response => {
  c.header("WWW-Authenticate", challenge(realm, error, scope));
  return problemResponse(c, kind, { detail });
};

// RFC 6750 §2.1: "Bearer" 1*SP b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

export const bearerTokens = ({
  verify,
  realm = REALM,
}: {
  readonly verify: TokenVerifier;
  readonly realm?: string;
}): AccessControl => ({
  require:
    (scope, { except = [] } = {}) =>
    async (c, next) => {
      if (except.includes(c.req.path)) return next();
      const header = c.req.header("Authorization");
      // No credentials, or another scheme (Basic, …): a plain challenge, no error code (§3.1).
      if (header === undefined || !/^Bearer(\s|$)/i.test(header)) {
        return refuse(c, realm, "unauthorized", "send Authorization: Bearer <access token>");
      }
      const token = BEARER.exec(header.trim())?.[1];
      if (token === undefined) {
        return refuse(
          c,
          realm,
          "unauthorized",
          "malformed Authorization header; expected Bearer <access token>",
          "invalid_token",
        );
      }
      const verified = await verify(token);
      if (verified.isErr()) {
        const failure = verified.error;
        if (failure.kind === "KeysUnavailable") {
          c.header("Retry-After", "5");
          return problemResponse(c, "unavailable", {
            detail: "the token issuer's signing keys cannot be fetched right now; retry later",
          });
        }
        return refuse(c, realm, "unauthorized", failure.reason, "invalid_token");
      }
      if (!verified.value.scopes.has(scope)) {
        return refuse(
          c,
          realm,
          "insufficient-scope",
          `this route requires the scope ${scope}`,
          "insufficient_scope",
          scope,
        );
      }
      const caller: Caller = verified.value;
      c.set("caller", caller);
      return next();
    },
});
