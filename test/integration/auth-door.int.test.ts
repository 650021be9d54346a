/**
 * Tokens at the door of both real APIs: real jose-signed tokens, verified against a real JWKS
 * endpoint served over HTTP by the test (test/support/test-issuer.ts).
 */
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearerTokens } from "../../services/auth/bearer.js";
import { JwksCache } from "../../services/auth/jwks-cache.js";
import { createTokenVerifier } from "../../services/auth/token-verifier.js";
import { commandApiOpenApi } from "../../services/command-api/openapi.js";
import { PROBLEM_BASE } from "../../services/http/problem.js";
import { createQueryApi } from "../../services/query-api/app.js";
import { queryApiOpenApi } from "../../services/query-api/openapi.js";
import { createCommandApiHarness, type Harness } from "../support/command-api-harness.js";
import { FakeClock } from "../support/fake-clock.js";
import type { TestReadModel } from "../support/infra.js";
import { createTestReadModel } from "../support/infra.js";
import { newSigningKey, TEST_AUDIENCE, TestIssuer } from "../support/test-issuer.js";

const CHALLENGE = 'Bearer realm="item-service"';
const INVALID = `${CHALLENGE}, error="invalid_token"`;
const COGNITO_CLIENT = "cognito-app-client";

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

describe("tokens at the door of both APIs", () => {
  let issuer: TestIssuer;
  let clock: FakeClock;
  let h: Harness;
  let model: TestReadModel;
  let stack: Hono;
  const nowSeconds = () => Math.floor(clock.now() / 1000);

  beforeAll(async () => {
    issuer = await TestIssuer.start("RS256");
    clock = new FakeClock({ start: Date.now() });
    const access = bearerTokens({
      verify: createTokenVerifier({
        issuer: issuer.issuer,
        audience: { audiences: [TEST_AUDIENCE], clientIds: [COGNITO_CLIENT] },
        keys: new JwksCache({ url: issuer.jwksUrl, clock }).getKey,
        clock,
      }),
    });
    [h, model] = await Promise.all([createCommandApiHarness({ access }), createTestReadModel()]);
    stack = new Hono().route("/", h.app).route("/", createQueryApi({ db: model.db, access }));
  });
  afterAll(async () => {
    await Promise.all([h?.drop(), model?.drop(), issuer?.stop()]);
  });

  const call = (method: string, path: string, token?: string, authorization?: string) =>
    stack.request(path, {
      method,
      headers: {
        "content-type": "application/json",
        ...(authorization !== undefined
          ? { authorization }
          : token
            ? { authorization: `Bearer ${token}` }
            : {}),
      },
      body: method === "POST" ? JSON.stringify({ name: "Tea", price: 450 }) : undefined,
    });

  const expectRefused = async (res: Response, status: number, challenge: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get("www-authenticate")).toBe(challenge);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = (await res.json()) as { type: string; status: number };
    expect(body.status).toBe(status);
    expect(body.type).toBe(
      `${PROBLEM_BASE}${status === 401 ? "unauthorized" : "insufficient-scope"}`,
    );
  };

  const routes = (doc: { paths: Record<string, object> }) =>
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => ({
        method: method.toUpperCase(),
        path: path.replace("{id}", "0193c0de-0000-7000-8000-000000000001"),
        open: path.endsWith("/healthz") || path.endsWith("/openapi.json"),
      })),
    );
  const commandRoutes = routes(commandApiOpenApi);
  const queryRoutes = routes(queryApiOpenApi);

  it("every documented route but health and OpenAPI needs a token; those two stay open", async () => {
    expect(commandRoutes.filter((r) => !r.open).length).toBeGreaterThanOrEqual(6);
    expect(queryRoutes.filter((r) => !r.open).length).toBeGreaterThanOrEqual(4);
    for (const r of [...commandRoutes, ...queryRoutes]) {
      const res = await call(r.method, r.path);
      if (r.open) expect(res.status, `${r.method} ${r.path}`).toBe(200);
      else await expectRefused(res, 401, CHALLENGE);
    }
  });

  it("the OpenAPI documents say so: bearer scheme, the scope per API, 401/403, open routes", () => {
    for (const [doc, scope] of [
      [commandApiOpenApi, "items:write"],
      [queryApiOpenApi, "items:read"],
    ] as const) {
      expect(doc.security).toEqual([{ bearer: [scope] }]);
      expect(doc.components.securitySchemes.bearer).toMatchObject({
        type: "http",
        scheme: "bearer",
      });
      for (const [path, ops] of Object.entries(
        doc.paths as Record<string, Record<string, { security?: unknown; responses: object }>>,
      )) {
        for (const op of Object.values(ops)) {
          const open = path.endsWith("/healthz") || path.endsWith("/openapi.json");
          if (open) expect(op.security, path).toEqual([]);
          else
            expect(Object.keys(op.responses), path).toEqual(expect.arrayContaining(["401", "403"]));
        }
      }
    }
  });

  it("commands need items:write and queries items:read (403 insufficient_scope otherwise)", async () => {
    const readOnly = await issuer.mint({ scopes: ["items:read"], nowSeconds: nowSeconds() });
    const writeOnly = await issuer.mint({ scopes: ["items:write"], nowSeconds: nowSeconds() });
    const sides = [
      { routes: commandRoutes, needs: "items:write", refused: readOnly, allowed: writeOnly },
      { routes: queryRoutes, needs: "items:read", refused: writeOnly, allowed: readOnly },
    ];
    for (const { routes, needs, refused, allowed } of sides)
      for (const r of routes.filter((x) => !x.open)) {
        await expectRefused(
          await call(r.method, r.path, refused),
          403,
          `${CHALLENGE}, error="insufficient_scope", scope="${needs}"`,
        );
        expect([401, 403]).not.toContain((await call(r.method, r.path, allowed)).status);
      }
  });

  /** Claims a forger would want: both scopes, our issuer and audience, valid for 10 minutes. */
  const forgedClaims = () => ({
    iss: issuer.issuer,
    sub: "mallory",
    aud: TEST_AUDIENCE,
    scope: "items:write items:read",
    exp: nowSeconds() + 600,
  });

  const refusals: Array<[string, () => Promise<string>]> = [
    [
      "a token signed by another key (same kid)",
      async () => {
        const other = await newSigningKey("RS256");
        return issuer.mint({ key: { ...other, kid: issuer.key.kid }, nowSeconds: nowSeconds() });
      },
    ],
    [
      "an expired token (beyond the 60 s skew)",
      () => issuer.mint({ nowSeconds: nowSeconds() - 3600 - 61 }),
    ],
    [
      "a token that is not yet valid (beyond the 60 s skew)",
      () => issuer.mint({ claims: { nbf: nowSeconds() + 61 }, nowSeconds: nowSeconds() }),
    ],
    [
      "a token without exp",
      () => issuer.mint({ claims: { exp: undefined }, nowSeconds: nowSeconds() }),
    ],
    [
      "a wrong issuer",
      () => issuer.mint({ claims: { iss: "https://evil.example" }, nowSeconds: nowSeconds() }),
    ],
    [
      "a wrong audience",
      () => issuer.mint({ claims: { aud: "another-api" }, nowSeconds: nowSeconds() }),
    ],
    [
      "a Cognito access token of another client",
      () =>
        issuer.mint({
          claims: { aud: undefined, token_use: "access", client_id: "someone-else" },
          nowSeconds: nowSeconds(),
        }),
    ],
    [
      "a Cognito id token (token_use=id)",
      () =>
        issuer.mint({
          claims: { aud: undefined, token_use: "id", client_id: COGNITO_CLIENT },
          nowSeconds: nowSeconds(),
        }),
    ],
    [
      "alg none",
      async () => {
        return `${b64url({ alg: "none", typ: "JWT" })}.${b64url(forgedClaims())}.`;
      },
    ],
    [
      "HS256 signed with the public key as the secret",
      async () => {
        const { createHmac, createPublicKey } = await import("node:crypto");
        const pem = createPublicKey({ key: issuer.key.publicJwk as never, format: "jwk" })
          .export({ type: "spki", format: "pem" })
          .toString();
        const input = `${b64url({ alg: "HS256", typ: "JWT", kid: issuer.key.kid })}.${b64url(forgedClaims())}`;
        return `${input}.${createHmac("sha256", pem).update(input).digest("base64url")}`;
      },
    ],
    ["a token that is not a JWT", async () => "not.a.jwt"],
  ];

  it.each(refusals)("refuses %s: 401 invalid_token", async (_name, token) => {
    const t = await token();
    await expectRefused(await call("POST", "/commands/items", t), 401, INVALID);
    await expectRefused(await call("GET", "/queries/inventory", t), 401, INVALID);
  });

  it.each([
    ["Bearer with no token", "Bearer", INVALID],
    ["Bearer with two words", "Bearer abc def", INVALID],
    ["a token with characters outside b64token", "Bearer abc$def", INVALID],
    [
      "another scheme (Basic): a plain challenge, no error code",
      "Basic YWxpY2U6c2VjcmV0",
      CHALLENGE,
    ],
  ])("refuses a malformed header: %s", async (_name, header, challenge) => {
    await expectRefused(await call("GET", "/queries/inventory", undefined, header), 401, challenge);
  });

  it("tolerates 60 s of clock skew on exp and nbf", async () => {
    const justExpired = await issuer.mint({ nowSeconds: nowSeconds() - 3600 - 30 });
    const almostValid = await issuer.mint({
      claims: { nbf: nowSeconds() + 30 },
      nowSeconds: nowSeconds(),
    });
    expect((await call("GET", "/queries/inventory", justExpired)).status).toBe(200);
    expect((await call("GET", "/queries/inventory", almostValid)).status).toBe(200);
  });

  it("accepts a Cognito access token (no aud, token_use=access, allowed client_id)", async () => {
    const token = await issuer.mint({
      claims: { aud: undefined, token_use: "access", client_id: COGNITO_CLIENT },
      nowSeconds: nowSeconds(),
    });
    const res = await call("POST", "/commands/items", token);
    expect(res.status).toBe(201);
  });
});
