import type { Brand } from "../domain/shared/brand.js";

/** The token's `sub`: the user or, for client-credentials tokens, the app client. */
export type Subject = Brand<string, "Subject">;
/** The OAuth client the token was issued to (Cognito `client_id`, OIDC `client_id`/`azp`). */
export type ClientId = Brand<string, "ClientId">;

/** The two permissions the service knows: one per side of CQRS. */
export const SCOPES = ["items:read", "items:write"] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling, once the token is verified; recorded in every event it causes. */
export interface Caller {
  readonly subject: Subject;
  readonly clientId?: ClientId;
  /** Scopes granted by the token, without the issuer's resource-server prefix. */
  readonly scopes: ReadonlySet<string>;
}

/** Hono variables set by the bearer-token middleware. */
export type CallerVariables = { caller: Caller };
