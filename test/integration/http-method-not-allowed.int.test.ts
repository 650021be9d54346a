import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORRELATION_HEADER } from "../../services/http/correlation-id.js";
import { PROBLEM_BASE } from "../../services/http/problem.js";
import { createQueryApi } from "../../services/query-api/app.js";
import { createCommandApiHarness, type Harness } from "../support/command-api-harness.js";
import type { TestReadModel } from "../support/infra.js";
import { createTestReadModel } from "../support/infra.js";
import { presetCaller } from "../support/preset-caller.js";

const someId = "0193c0de-0000-7000-8000-000000000001";

const expect405 = async (res: Response, allow: string) => {
  expect(res.status).toBe(405);
  expect(res.headers.get("allow")).toBe(allow);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(await res.json()).toMatchObject({
    type: `${PROBLEM_BASE}method-not-allowed`,
    status: 405,
    allow: allow.split(", "),
  });
};

const expect404 = async (res: Response) => {
  expect(res.status).toBe(404);
  expect(res.headers.get("allow")).toBeNull();
  expect(await res.json()).toMatchObject({ type: `${PROBLEM_BASE}not-found`, status: 404 });
};

describe("a wrong method on a known path: 405 with Allow (real apps)", () => {
  let h: Harness;
  let model: TestReadModel;
  let queryApi: ReturnType<typeof createQueryApi>;
  /** Both apps in one, as dev/main.ts mounts them. */
  let stack: Hono;
  beforeAll(async () => {
    [h, model] = await Promise.all([createCommandApiHarness(), createTestReadModel()]);
    queryApi = createQueryApi({ db: model.db, access: presetCaller() });
    stack = new Hono().route("/", h.app).route("/", queryApi);
  });
  afterAll(async () => {
    await Promise.all([h.drop(), model.drop()]);
  });

  it("command API: 405 + Allow, through the prefix middleware, writing nothing", async () => {
    const itemId = await h.register();
    const before = await h.journalSize();
    const list = await h.app.request("/commands/items", {
      headers: { [CORRELATION_HEADER]: "corr-405" },
    });
    expect(list.headers.get(CORRELATION_HEADER)).toBe("corr-405");
    await expect405(list, "POST, OPTIONS");
    const rename = await h.app.request(`/commands/items/${itemId}/rename`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Sencha" }),
    });
    await expect405(rename, "POST, OPTIONS");
    await expect405(await h.post("/commands/healthz", {}), "GET, HEAD, OPTIONS");
    expect(await h.journalSize()).toBe(before);
  });

  it("command API: OPTIONS lists the methods; an unknown path stays 404", async () => {
    const options = await h.app.request("/commands/items", { method: "OPTIONS" });
    expect(options.status).toBe(204);
    expect(options.headers.get("allow")).toBe("POST, OPTIONS");
    await expect404(await h.app.request(`/commands/items/${someId}`, { method: "DELETE" }));
    await expect404(await h.post(`/commands/items/${someId}/explode`, {}));
  });

  it("query API: 405 + Allow for writes on read routes; HEAD is served where GET is", async () => {
    await expect405(
      await queryApi.request(`/queries/items/${someId}`, { method: "DELETE" }),
      "GET, HEAD, OPTIONS",
    );
    await expect405(
      await queryApi.request("/queries/inventory", { method: "POST" }),
      "GET, HEAD, OPTIONS",
    );
    const head = await queryApi.request("/queries/inventory", { method: "HEAD" });
    expect(head.status).toBe(200);
    await expect404(await queryApi.request("/queries/nothing-here"));
  });

  it("local stack: both prefixes keep their 405 and 404 when mounted together", async () => {
    await expect405(await stack.request("/commands/items"), "POST, OPTIONS");
    await expect405(
      await stack.request(`/queries/items/${someId}/history`, { method: "PUT" }),
      "GET, HEAD, OPTIONS",
    );
    await expect404(await stack.request("/commands/nothing-here"));
    await expect404(await stack.request("/queries/nothing-here", { method: "POST" }));
    expect((await stack.request("/queries/inventory")).status).toBe(200);
  });
});
