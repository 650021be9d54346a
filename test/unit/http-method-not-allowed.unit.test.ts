import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { allowedMethods, installRouteFallback } from "../../services/http/method-not-allowed.js";
import { expectProblem } from "../support/problem.js";

/** A small app shaped like ours: middleware, a sub-app mounted with `route`, a prefix. */
const sampleApp = () => {
  const things = new Hono()
    .get("/", (c) => c.text("list"))
    .post("/", (c) => c.text("create", 201))
    .get("/:id", (c) => c.text(`thing ${c.req.param("id")}`))
    .put("/:id", (c) => c.text("replaced"))
    .post("/:id/archive", (c) => c.text("archived"));
  const app = new Hono();
  app.use("/api/*", async (c, next) => {
    await next();
    c.header("X-Seen", "1");
  });
  app.route("/api/things", things);
  app.get("/api/healthz", (c) => c.text("ok"));
  installRouteFallback(app, "/api/*");
  return app;
};

describe("allowedMethods", () => {
  const allowed = allowedMethods([
    { method: "ALL", path: "/api/*", isMiddleware: true },
    { method: "GET", path: "/api/things", isMiddleware: false },
    { method: "POST", path: "/api/things", isMiddleware: false },
    { method: "DELETE", path: "/api/things/:id", isMiddleware: false },
    { method: "GET", path: "/api/things/:id", isMiddleware: true },
    { method: "GET", path: "/api/things/:id", isMiddleware: false },
    { method: "POST", path: "/api/things/:id{[0-9]+}/archive", isMiddleware: false },
    { method: "ALL", path: "/api/anything", isMiddleware: false },
  ]);

  it("lists each method once, HEAD with GET, in a stable order", () => {
    expect(allowed("/api/things")).toEqual(["GET", "HEAD", "POST"]);
    expect(allowed("/api/things/42")).toEqual(["GET", "HEAD", "DELETE"]);
  });

  it("matches patterns as Hono does, regular-expression parameters included", () => {
    expect(allowed("/api/things/42/archive")).toEqual(["POST"]);
    expect(allowed("/api/things/abc/archive")).toEqual([]);
  });

  it("knows nothing of middleware, ALL routes and unknown paths", () => {
    expect(allowed("/api/anything")).toEqual([]);
    expect(allowed("/api/nothing")).toEqual([]);
    expect(allowed("/elsewhere")).toEqual([]);
  });
});

describe("installRouteFallback", () => {
  it("leaves the routes as they were", async () => {
    const app = sampleApp();
    expect(await (await app.request("/api/things/7")).text()).toBe("thing 7");
    expect((await app.request("/api/things", { method: "POST" })).status).toBe(201);
    const head = await app.request("/api/things/7", { method: "HEAD" });
    expect(head.status).toBe(200);
  });

  it("answers 405 problem+json with Allow for another method on a known path", async () => {
    const app = sampleApp();
    const res = await app.request("/api/things/7", { method: "DELETE" });
    expect(res.headers.get("allow")).toBe("GET, HEAD, PUT, OPTIONS");
    const body = await expectProblem(res, 405, "method-not-allowed");
    expect(body).toMatchObject({
      allow: ["GET", "HEAD", "PUT", "OPTIONS"],
      instance: "/api/things/7",
    });
    // Middleware registered for the prefix still runs around the fallback.
    expect(res.headers.get("x-seen")).toBe("1");
  });

  it("answers 405 for GET and HEAD where only POST is served", async () => {
    const app = sampleApp();
    const get = await app.request("/api/things/7/archive");
    expect(get.headers.get("allow")).toBe("POST, OPTIONS");
    await expectProblem(get, 405, "method-not-allowed");
    const head = await app.request("/api/things/7/archive", { method: "HEAD" });
    expect(head.status).toBe(405);
    expect(head.headers.get("allow")).toBe("POST, OPTIONS");
  });

  it("answers OPTIONS on a known path with 204 and Allow", async () => {
    const res = await sampleApp().request("/api/things", { method: "OPTIONS" });
    expect(res.status).toBe(204);
    expect(res.headers.get("allow")).toBe("GET, HEAD, POST, OPTIONS");
  });

  it("answers the 404 problem for an unknown path under the prefix, whatever the method", async () => {
    const app = sampleApp();
    await expectProblem(await app.request("/api/things/7/explode"), 404, "not-found");
    const options = await app.request("/api/nothing", { method: "OPTIONS" });
    await expectProblem(options, 404, "not-found");
    expect(options.headers.get("allow")).toBeNull();
  });

  it("keeps answering when the app is mounted into another one, at the root or under a base", async () => {
    const other = new Hono().get("/other/ping", (c) => c.text("pong"));
    const atRoot = new Hono().route("/", sampleApp()).route("/", other);
    const underBase = new Hono().route("/v1", sampleApp());
    for (const [host, base] of [
      [atRoot, ""],
      [underBase, "/v1"],
    ] as const) {
      const res = await host.request(`${base}/api/things/7`, { method: "PATCH" });
      expect(res.headers.get("allow"), base).toBe("GET, HEAD, PUT, OPTIONS");
      await expectProblem(res, 405, "method-not-allowed");
      await expectProblem(await host.request(`${base}/api/nope`), 404, "not-found");
      expect(await (await host.request(`${base}/api/things/7`)).text()).toBe("thing 7");
    }
    expect(await (await atRoot.request("/other/ping")).text()).toBe("pong");
  });
});
