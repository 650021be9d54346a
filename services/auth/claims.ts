import type { JWTPayload } from "jose";
import { err, ok, type Result } from "neverthrow";
import type { Caller, ClientId, Subject } from "./caller.js";

/**
 * Which tokens are meant for this service. Amazon Cognito access tokens carry no `aud`: they
 * are recognised by `token_use=access` and an allowed `client_id`. Tokens of a generic OIDC
 * issuer carry `aud`, which must name one of `audiences`.
 */
export interface AudiencePolicy {
  readonly audiences: readonly string[];
  readonly clientIds: readonly string[];
}

const asList = (v: unknown): string[] =>
  typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x) => typeof x === "string") : [];

/** Pure: why the token is not meant for us, if it is not. */
export const checkAudience = (
  payload: JWTPayload,
  policy: AudiencePolicy,
): Result<void, string> => {
  if (payload.aud !== undefined) {
    return asList(payload.aud).some((a) => policy.audiences.includes(a))
      ? ok(undefined)
      : err("the token's audience is not accepted here");
  }
  if (payload.token_use !== "access") return err("the token has no aud and is not an access token");
  return typeof payload.client_id === "string" && policy.clientIds.includes(payload.client_id)
    ? ok(undefined)
    : err("the token's client_id is not accepted here");
};

/**
 * Scopes from `scope` (space-separated, RFC 8693) or `scp` (an array, some issuers). Cognito
 * prefixes custom scopes with the resource server's identifier (`item-service/items:write`):
 * with a `prefix`, only scopes carrying it count, and it is removed.
 */
export const scopesOf = (payload: JWTPayload, prefix = ""): ReadonlySet<string> => {
  const raw = typeof payload.scope === "string" ? payload.scope.split(" ") : asList(payload.scp);
  return new Set(
    raw.filter((s) => s !== "" && s.startsWith(prefix)).map((s) => s.slice(prefix.length)),
  );
};

/** Pure: the caller a verified token names; a token without `sub` names nobody. */
export const callerOf = (payload: JWTPayload, scopePrefix = ""): Result<Caller, string> => {
  if (typeof payload.sub !== "string" || payload.sub === "") return err("the token has no sub");
  const client = payload.client_id ?? payload.azp;
  return ok({
    subject: payload.sub as Subject,
    ...(typeof client === "string" && client !== "" ? { clientId: client as ClientId } : {}),
    scopes: scopesOf(payload, scopePrefix),
  });
};
