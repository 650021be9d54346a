import type { AccessControl } from "../../services/auth/bearer.js";
import { type Caller, type ClientId, SCOPES, type Subject } from "../../services/auth/caller.js";

export const TEST_CALLER: Caller = {
  subject: "test-user" as Subject,
  clientId: "test-client" as ClientId,
  scopes: new Set(SCOPES),
};

/**
 * Tests of other concerns only: every request acts as `caller`, no token needed. Token checks
 * themselves are proven against real tokens and a real JWKS server (auth-*.test.ts).
 */
export const presetCaller = (caller: Caller = TEST_CALLER): AccessControl => ({
  require: () => async (c, next) => {
    c.set("caller", caller);
    await next();
  },
});
