import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { CORRELATION_HEADER } from "../../services/http/correlation-id.js";
import { installHttpShell, type ShellEnv } from "../../services/http/shell.js";
import { memoryLogger } from "../support/memory-logger.js";

class Saturated extends Error {}

/** An app with the shell and routes that answer, fail and find a dependency unavailable. */
const shellApp = () => {
  const { logger, lines } = memoryLogger("shell-test");
  const app = new Hono<ShellEnv>();
  installHttpShell(app, {
    scope: "/api/*",
    logger,
    newId: () => "generated-id",
    isUnavailable: (e) => e instanceof Saturated,
  });
  app.get("/api/ok", (c) => c.json({ ok: true }));
  app.get("/api/own-response", () => new Response("plain", { headers: { "X-Own": "1" } }));
  app.get("/api/boom", () => {
    throw new Error("SELECT secret FROM t");
  });
  app.get("/api/saturated", () => {
    throw new Saturated("pool timeout");
  });
  return { app, lines };
};

describe("HTTP shell", () => {
  it("echoes the correlation id on every response: c.json, a handler's own Response, 500, 503, 404 and HEAD", async () => {
    const { app } = shellApp();
    for (const path of [
      "/api/ok",
      "/api/own-response",
      "/api/boom",
      "/api/saturated",
      "/api/none",
    ]) {
      const res = await app.request(path, { headers: { [CORRELATION_HEADER]: "corr-7" } });
      expect([path, res.headers.get(CORRELATION_HEADER)]).toEqual([path, "corr-7"]);
    }
    const head = await app.request("/api/ok", {
      method: "HEAD",
      headers: { [CORRELATION_HEADER]: "corr-8" },
    });
    expect(head.headers.get(CORRELATION_HEADER)).toBe("corr-8");
  });

  it("generates an id when the request has none or an unusable one", async () => {
    const { app } = shellApp();
    const none = await app.request("/api/ok");
    const bad = await app.request("/api/ok", { headers: { [CORRELATION_HEADER]: "a b\u0007" } });
    expect(none.headers.get(CORRELATION_HEADER)).toBe("generated-id");
    expect(bad.headers.get(CORRELATION_HEADER)).toBe("generated-id");
  });

  it("logs an unhandled error and its request line with the correlation id, and hides the error from the client", async () => {
    const { app, lines } = shellApp();
    const res = await app.request("/api/boom", { headers: { [CORRELATION_HEADER]: "corr-9" } });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain("secret");
    expect(lines).toEqual([
      expect.objectContaining({ level: "error", msg: "unhandled error", correlationId: "corr-9" }),
      expect.objectContaining({ msg: "request", status: 500, correlationId: "corr-9" }),
    ]);
  });

  it("answers an unavailable dependency 503 with Retry-After and logs it as a warning", async () => {
    const { app, lines } = shellApp();
    const res = await app.request("/api/saturated", {
      headers: { [CORRELATION_HEADER]: "corr-503" },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("1");
    expect(lines[0]).toMatchObject({
      level: "warn",
      msg: "dependency unavailable",
      correlationId: "corr-503",
    });
  });
});
