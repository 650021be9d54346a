import { describe, expect, it } from "vitest";
import { callerOf, checkAudience, scopesOf } from "../../services/auth/claims.js";
import { authSettingsOf, authVariables } from "../../services/auth/settings.js";
import { ConfigError, readConfig } from "../../services/config/env.js";

const policy = { audiences: ["item-service"], clientIds: ["cognito-client"] };

describe("audience: generic OIDC (aud) and Cognito access tokens (token_use + client_id)", () => {
  it("accepts an aud that names us, as a string or in an array", () => {
    expect(checkAudience({ aud: "item-service" }, policy).isOk()).toBe(true);
    expect(checkAudience({ aud: ["other", "item-service"] }, policy).isOk()).toBe(true);
  });
  it("refuses an aud that does not, even with an allowed client_id", () => {
    expect(checkAudience({ aud: "other", client_id: "cognito-client" }, policy).isErr()).toBe(true);
  });
  it("accepts a Cognito access token of an allowed client only", () => {
    expect(checkAudience({ token_use: "access", client_id: "cognito-client" }, policy).isOk()).toBe(
      true,
    );
    expect(checkAudience({ token_use: "access", client_id: "other" }, policy).isErr()).toBe(true);
    expect(checkAudience({ token_use: "id", client_id: "cognito-client" }, policy).isErr()).toBe(
      true,
    );
    expect(checkAudience({ client_id: "cognito-client" }, policy).isErr()).toBe(true);
  });
});

describe("scopes", () => {
  it("reads scope (space-separated) or scp (array)", () => {
    expect([...scopesOf({ scope: "items:read items:write" })]).toEqual([
      "items:read",
      "items:write",
    ]);
    expect([...scopesOf({ scp: ["items:read"] })]).toEqual(["items:read"]);
    expect([...scopesOf({})]).toEqual([]);
  });
  it("with Cognito's resource-server prefix, counts only that server's scopes", () => {
    const payload = { scope: "item-service/items:read other-api/items:write items:write" };
    expect([...scopesOf(payload, "item-service/")]).toEqual(["items:read"]);
  });
});

describe("the caller", () => {
  it("is the sub, with client_id (or azp) when present", () => {
    expect(
      callerOf({ sub: "alice", client_id: "app", scope: "items:read" })._unsafeUnwrap(),
    ).toEqual({
      subject: "alice",
      clientId: "app",
      scopes: new Set(["items:read"]),
    });
    expect(callerOf({ sub: "bob", azp: "spa" })._unsafeUnwrap().clientId).toBe("spa");
  });
  it("does not exist without a sub", () => {
    expect(callerOf({ client_id: "app" }).isErr()).toBe(true);
    expect(callerOf({ sub: "" }).isErr()).toBe(true);
  });
});

describe("issuer settings", () => {
  it("require AUTH_ISSUER, saying what to set", () => {
    expect(() => readConfig({}, authVariables)).toThrow(
      /AUTH_ISSUER is required: the token issuer/,
    );
    expect(() => readConfig({ AUTH_ISSUER: "not a url" }, authVariables)).toThrow(/must be a URL/);
  });
  it("require an accepted audience or client: there is no way to accept every token", () => {
    const config = readConfig({ AUTH_ISSUER: "https://issuer.example" }, authVariables);
    expect(() => authSettingsOf(config)).toThrow(ConfigError);
    expect(() => authSettingsOf(config)).toThrow(/AUTH_CLIENT_IDS .* or AUTH_AUDIENCES/);
  });
  it("default the JWKS URL and a 60 s skew; lists are comma-separated", () => {
    const settings = authSettingsOf(
      readConfig(
        {
          AUTH_ISSUER: "https://cognito-idp.eu-west-1.amazonaws.com/pool/",
          AUTH_CLIENT_IDS: "a, b",
        },
        authVariables,
      ),
    );
    expect(settings).toEqual({
      issuer: "https://cognito-idp.eu-west-1.amazonaws.com/pool/",
      jwksUrl: "https://cognito-idp.eu-west-1.amazonaws.com/pool/.well-known/jwks.json",
      audience: { audiences: [], clientIds: ["a", "b"] },
      scopePrefix: "",
      clockSkewSeconds: 60,
    });
  });
});
