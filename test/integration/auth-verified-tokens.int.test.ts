/**
 * Verified tokens are remembered (a client sends the same one for an hour): the signature is
 * checked once, not per request, yet expiry, the remembering limit and refusals still hold.
 * Key lookups count signature checks: each check asks the key source once.
 */
import type { JWTVerifyGetKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JwksCache } from "../../services/auth/jwks-cache.js";
import { createTokenVerifier, type TokenVerifier } from "../../services/auth/token-verifier.js";
import { FakeClock } from "../support/fake-clock.js";
import { TEST_AUDIENCE, TestIssuer } from "../support/test-issuer.js";

const MAX_AGE_MS = 5 * 60_000;

describe("remembered verified tokens", () => {
  let issuer: TestIssuer;

  beforeAll(async () => {
    issuer = await TestIssuer.start();
  });
  afterAll(async () => {
    await issuer?.stop();
  });

  /** A verifier on its own fake clock, counting how often it checks a signature. */
  const verifier = () => {
    const clock = new FakeClock({ start: Date.now() });
    const jwks = new JwksCache({ url: issuer.jwksUrl, clock }).getKey;
    const state = { checks: 0 };
    const keys: JWTVerifyGetKey = (header, token) => {
      state.checks += 1;
      return jwks(header, token);
    };
    const verify: TokenVerifier = createTokenVerifier({
      issuer: issuer.issuer,
      audience: { audiences: [TEST_AUDIENCE], clientIds: [] },
      keys,
      clock,
      remember: { maxTokens: 100, maxAgeMs: MAX_AGE_MS },
    });
    const nowSeconds = () => Math.floor(clock.now() / 1000);
    return { clock, verify, state, nowSeconds };
  };

  it("checks a token's signature once, then answers from memory until the limit", async () => {
    const v = verifier();
    const token = await issuer.mint({ nowSeconds: v.nowSeconds(), sub: "bob" });
    for (let i = 0; i < 5; i++) {
      expect((await v.verify(token))._unsafeUnwrap().subject).toBe("bob");
    }
    expect(v.state.checks).toBe(1);
    await v.clock.advance(MAX_AGE_MS);
    expect((await v.verify(token)).isOk()).toBe(true);
    expect(v.state.checks).toBe(2);
  });

  it("refuses a remembered token once it has expired", async () => {
    const v = verifier();
    // Expires in 2 minutes: before the remembering limit.
    const token = await issuer.mint({
      nowSeconds: v.nowSeconds(),
      claims: { exp: v.nowSeconds() + 120 },
    });
    expect((await v.verify(token)).isOk()).toBe(true);
    // Past exp and the 60 s of tolerated clock skew.
    await v.clock.advance(181_000);
    expect((await v.verify(token))._unsafeUnwrapErr().kind).toBe("InvalidToken");
  });

  it("never remembers a refused token", async () => {
    const v = verifier();
    const wrongAudience = await issuer.mint({
      nowSeconds: v.nowSeconds(),
      claims: { aud: "another-service" },
    });
    expect((await v.verify(wrongAudience)).isErr()).toBe(true);
    expect((await v.verify(wrongAudience)).isErr()).toBe(true);
    expect(v.state.checks).toBe(2);
  });
});
