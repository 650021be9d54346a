/**
 * The issuer's keys: fetched from a real JWKS endpoint (node:http, taken down and brought back
 * by the test), cached, re-fetched once for a new kid, rate-limited, and kept while the endpoint
 * is away. Time moves only on the fake clock.
 */
import { Hono } from "hono";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bearerTokens } from "../../services/auth/bearer.js";
import type { Caller } from "../../services/auth/caller.js";
import { JwksCache } from "../../services/auth/jwks-cache.js";
import { createTokenVerifier } from "../../services/auth/token-verifier.js";
import { PROBLEM_BASE } from "../../services/http/problem.js";
import { FakeClock } from "../support/fake-clock.js";
import { newSigningKey, TEST_AUDIENCE, TestIssuer } from "../support/test-issuer.js";

const COOLDOWN_MS = 30_000;
const MAX_AGE_MS = 600_000;

describe("signing keys from the issuer's JWKS", () => {
  let issuer: TestIssuer;
  let clock: FakeClock;
  let keys: JwksCache;
  let app: Hono;

  beforeEach(async () => {
    issuer = await TestIssuer.start("ES256");
    clock = new FakeClock({ start: Date.now() });
    keys = new JwksCache({
      url: issuer.jwksUrl,
      clock,
      cooldownMs: COOLDOWN_MS,
      maxAgeMs: MAX_AGE_MS,
    });
    const access = bearerTokens({
      verify: createTokenVerifier({
        issuer: issuer.issuer,
        audience: { audiences: [TEST_AUDIENCE], clientIds: [] },
        keys: keys.getKey,
        clock,
      }),
    });
    app = new Hono();
    app.use("/items", access.require("items:read"));
    app.get("/items", (c) => c.json({ sub: (c.get("caller" as never) as Caller).subject }));
  });
  afterEach(async () => {
    await issuer.stop();
  });

  const nowSeconds = () => Math.floor(clock.now() / 1000);
  const get = (token: string) =>
    app.request("/items", { headers: { authorization: `Bearer ${token}` } });

  it("fetches the JWKS once and serves later tokens from the cache", async () => {
    for (let i = 0; i < 5; i++) {
      const res = await get(await issuer.mint({ sub: `u${i}`, nowSeconds: nowSeconds() }));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ sub: `u${i}` });
    }
    expect(issuer.jwksFetches).toBe(1);
  });

  it("key rotation: a new kid is fetched once, however many callers present it at once", async () => {
    expect((await get(await issuer.mint({ nowSeconds: nowSeconds() }))).status).toBe(200);
    const rotated = await newSigningKey("ES256");
    issuer.published = [issuer.key, rotated];
    await clock.advance(COOLDOWN_MS);

    const token = await issuer.mint({ key: rotated, nowSeconds: nowSeconds() });
    const answers = await Promise.all(Array.from({ length: 8 }, () => get(token)));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(issuer.jwksFetches).toBe(2);
  });

  it("re-fetches for unknown kids at most once per cooldown (401, not a fetch per request)", async () => {
    expect((await get(await issuer.mint({ nowSeconds: nowSeconds() }))).status).toBe(200);
    await clock.advance(COOLDOWN_MS);
    const stranger = await newSigningKey("ES256"); // never published
    for (let i = 0; i < 5; i++) {
      const res = await get(await issuer.mint({ key: stranger, nowSeconds: nowSeconds() }));
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    }
    expect(issuer.jwksFetches).toBe(2);
    await clock.advance(COOLDOWN_MS);
    await get(await issuer.mint({ key: stranger, nowSeconds: nowSeconds() }));
    expect(issuer.jwksFetches).toBe(3);
  });

  it("the JWKS going away does not break callers whose key is cached; an uncached key is a 503", async () => {
    expect((await get(await issuer.mint({ nowSeconds: nowSeconds() }))).status).toBe(200);
    await issuer.stop();
    // Past the cache's max age: a refresh is attempted, fails, and the cached key stays in use.
    await clock.advance(MAX_AGE_MS + COOLDOWN_MS);
    for (let i = 0; i < 3; i++) {
      expect((await get(await issuer.mint({ nowSeconds: nowSeconds() }))).status).toBe(200);
    }
    await keys.idle();
    expect(keys.fetches).toBe(2);

    await clock.advance(COOLDOWN_MS);
    const rotated = await newSigningKey("ES256");
    const res = await get(await issuer.mint({ key: rotated, nowSeconds: nowSeconds() }));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(((await res.json()) as { type: string }).type).toBe(`${PROBLEM_BASE}unavailable`);
    // Still cooling down after the failed fetch: 503 again, without another attempt.
    const again = await get(await issuer.mint({ key: rotated, nowSeconds: nowSeconds() }));
    expect(again.status).toBe(503);
    expect(keys.fetches).toBe(3);

    // The issuer comes back with the new key: after the cooldown it is fetched and accepted.
    issuer.published = [issuer.key, rotated];
    await issuer.start();
    await clock.advance(COOLDOWN_MS);
    expect((await get(await issuer.mint({ key: rotated, nowSeconds: nowSeconds() }))).status).toBe(
      200,
    );
  });

  it("a first token while the JWKS endpoint is unreachable is a 503, not a 500", async () => {
    await issuer.stop();
    const res = await get(await issuer.mint({ nowSeconds: nowSeconds() }));
    expect(res.status).toBe(503);
  });
});
