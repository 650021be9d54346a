import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { createDevIssuer, DEV_AUDIENCE, DEV_CLIENT_ID } from "../../dev/dev-issuer.js";

const ISSUER = "http://localhost:3000";

describe("the development issuer of npm start", async () => {
  const dev = await createDevIssuer({ issuer: ISSUER });
  const token = async (body?: unknown) =>
    dev.routes.request("/dev/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const verify = async (accessToken: string) => {
    const jwks = (await (
      await dev.routes.request("/.well-known/jwks.json")
    ).json()) as JSONWebKeySet;
    return (
      await jwtVerify(accessToken, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        audience: DEV_AUDIENCE,
        algorithms: ["ES256"],
      })
    ).payload;
  };

  it("signs, by default, a token with both scopes for sub dev, verifiable with its JWKS", async () => {
    const res = await token();
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      access_token: string;
      token_type: string;
      expires_in: number;
    };
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    expect(await verify(body.access_token)).toMatchObject({
      sub: "dev",
      scope: "items:read items:write",
      client_id: DEV_CLIENT_ID,
    });
  });

  it("signs the scopes and sub asked for", async () => {
    const body = (await (await token({ scopes: ["items:read"], sub: "alice" })).json()) as {
      access_token: string;
    };
    expect(await verify(body.access_token)).toMatchObject({ sub: "alice", scope: "items:read" });
  });

  it("refuses unknown scopes and a bad sub with a 400 problem", async () => {
    const res = await token({ scopes: ["admin"], sub: "" });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field)).toEqual(["scopes", "sub"]);
  });
});
