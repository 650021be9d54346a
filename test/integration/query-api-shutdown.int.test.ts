import { spawn } from "node:child_process";
import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { createQueryApi } from "../../services/query-api/app.js";
import { createTestReadModel, eventually, uniqueSuffix } from "../support/infra.js";

const freePort = async () => {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as AddressInfo;
  probe.close();
  return port;
};

describe("draining the query API on shutdown", () => {
  it("answers 503 problem+json on healthz while draining, so the load balancer moves away", async () => {
    const model = await createTestReadModel();
    let draining = false;
    const app = createQueryApi({ db: model.db, isDraining: () => draining });
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
    const port = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "services/query-api/main.ts"], {
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_URL: inject("databaseUrl"),
        DATABASE_SCHEMA: schema,
        DATABASE_POOL_SIZE: String(inject("databasePoolSize")),
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await eventually(() => fetch(`${base}/queries/healthz`).then((r) => r.ok || undefined), {
        what: "query-api to listen",
      });
      const res = await fetch(`${base}/queries/items/0193c0de-0000-7000-8000-000000000001`);
      expect(res.status).toBe(404);
      child.kill("SIGTERM");
      const [code] = await once(child, "exit");
      expect(code).toBe(0);
      const lines = out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.map((l) => l.msg)).toEqual([
        "version listener listening",
        "query-api listening",
        "draining",
        "stopped",
      ]);
      expect(lines.at(-1)).toMatchObject({ how: "drained" });
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      const admin = new pg.Client({ connectionString: inject("databaseUrl") });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });
});
