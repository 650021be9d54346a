import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { createQueryApi } from "../../services/query-api/app.js";
import { createTestReadModel, uniqueSuffix } from "../support/infra.js";
import { expectCleanStop, startMain } from "../support/main-process.js";
import { presetCaller } from "../support/preset-caller.js";
import { TEST_AUDIENCE, TestIssuer } from "../support/test-issuer.js";

describe("draining the query API on shutdown", () => {
  it("answers 503 problem+json on healthz while draining, so the load balancer moves away", async () => {
    const model = await createTestReadModel();
    let draining = false;
    const app = createQueryApi({
      db: model.db,
      access: presetCaller(),
      isDraining: () => draining,
    });
    try {
      expect((await app.request("/queries/healthz")).status).toBe(200);
      draining = true;
      const res = await app.request("/queries/healthz");
      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(await res.json()).toMatchObject({ status: 503, detail: "shutting down" });
    } finally {
      await model.drop();
    }
  });
});

describe("services/query-api/main.ts", () => {
  it("serves from its env configuration and exits 0 after draining on SIGTERM", async () => {
    const schema = `rm_${uniqueSuffix()}`;
    const issuer = await TestIssuer.start();
    const main = await startMain(
      "services/query-api/main.ts",
      {
        DATABASE_URL: inject("databaseUrl"),
        DATABASE_SCHEMA: schema,
        DATABASE_POOL_SIZE: String(inject("databasePoolSize")),
        AUTH_ISSUER: issuer.issuer,
        AUTH_AUDIENCES: TEST_AUDIENCE,
      },
      "/queries/healthz",
    );
    try {
      const url = `${main.base}/queries/items/0193c0de-0000-7000-8000-000000000001`;
      expect((await fetch(url)).status).toBe(401);
      const token = await issuer.mint({ scopes: ["items:read"] });
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(404);
      expect(res.headers.get("keep-alive")).toBe("timeout=65");
      const lines = await expectCleanStop(main, [
        "version listener listening",
        "query-api listening",
      ]);
      expect(lines.at(-1)).toMatchObject({ how: "drained" });
      for (const line of lines) expect(line).toMatchObject({ service: "query-api", level: "info" });
      expect(lines.find((l) => l.status === 404)).toMatchObject({
        msg: "request",
        route: "/queries/items/:id",
        correlationId: expect.any(String),
      });
    } finally {
      main.kill();
      await issuer.stop();
      const admin = new pg.Client({ connectionString: inject("databaseUrl") });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });
});
