import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { SCOPES } from "../services/auth/caller.js";
import { type FieldError, fieldError } from "../services/domain/shared/validation.js";
import { readJsonBody } from "../services/http/json-body.js";
import { problemResponse, validationProblem } from "../services/http/problem.js";

/** The audience and client of every development token (the local stack accepts exactly these). */
export const DEV_AUDIENCE = "item-service";
export const DEV_CLIENT_ID = "local-dev";
const TOKEN_SECONDS = 3600;

export interface DevTokenRequest {
  readonly scopes?: readonly string[];
  readonly sub?: string;
}

export interface DevToken {
  readonly access_token: string;
  readonly token_type: "Bearer";
  readonly expires_in: number;
}

const parseRequest = (body: unknown): { value?: DevTokenRequest; errors: FieldError[] } => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { errors: [fieldError("body", "must be a JSON object")] };
  }
  const { scopes, sub } = body as Record<string, unknown>;
  const errors: FieldError[] = [];
  const known: readonly string[] = SCOPES;
  if (
    scopes !== undefined &&
    (!Array.isArray(scopes) || !scopes.every((s) => typeof s === "string" && known.includes(s)))
  ) {
    errors.push(fieldError("scopes", `must be an array of ${SCOPES.join(", ")}`));
  }
  if (sub !== undefined && (typeof sub !== "string" || sub.length < 1 || sub.length > 256)) {
    errors.push(fieldError("sub", "must be a string of 1 to 256 characters"));
  }
  return {
    value: { scopes: scopes as string[] | undefined, sub: sub as string | undefined },
    errors,
  };
};

/**
 * A development-only OAuth issuer for `npm start`: an ES256 key pair made at start, its JWKS at
 * `/.well-known/jwks.json` and `POST /dev/token`, which signs whatever token is asked for. No
 * deployable mounts it (test/deploy checks their main.ts files).
 */
export const createDevIssuer = async ({ issuer }: { readonly issuer: string }) => {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const kid = `dev-${randomUUID()}`;
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };

  const mint = async ({
    scopes = SCOPES,
    sub = "dev",
  }: DevTokenRequest = {}): Promise<DevToken> => ({
    access_token: await new SignJWT({ scope: scopes.join(" "), client_id: DEV_CLIENT_ID })
      .setProtectedHeader({ alg: "ES256", kid, typ: "at+jwt" })
      .setIssuer(issuer)
      .setSubject(sub)
      .setAudience(DEV_AUDIENCE)
      .setIssuedAt()
      .setNotBefore("0s")
      .setExpirationTime(`${TOKEN_SECONDS}s`)
      .setJti(randomUUID())
      .sign(privateKey),
    token_type: "Bearer",
    expires_in: TOKEN_SECONDS,
  });

  const routes = new Hono()
    .get("/.well-known/jwks.json", (c) => c.json({ keys: [jwk] }))
    .post("/dev/token", async (c) => {
      const body = await readJsonBody(c, { emptyAsObject: true });
      if (body.isErr()) return problemResponse(c, body.error.kind, body.error.extras);
      const request = parseRequest(body.value);
      if (request.errors.length > 0 || !request.value) return validationProblem(c, request.errors);
      return c.json(await mint(request.value));
    });

  return { issuer, jwksUrl: `${issuer}/.well-known/jwks.json`, mint, routes };
};
