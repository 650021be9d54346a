import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { ResultAsync } from "neverthrow";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { drain } from "../../services/http/graceful-shutdown.js";
import { createCommandApiHarness, type Harness } from "../support/command-api-harness.js";
import { tableName } from "../support/infra.js";
import { expectCleanStop, startMain } from "../support/main-process.js";
import { TEST_AUDIENCE, TestIssuer } from "../support/test-issuer.js";

/** A gate the test opens: requests that reach the store wait until then. */
const gate = () => {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
};

// Graceful shutdown over a real socket: an in-flight command finishes and is written, while
// new connections are refused; past the grace period the remaining connections are cut.
describe("draining the command API on shutdown", () => {
  let h: Harness;
  let g = gate();
  let entered = gate();
  beforeAll(async () => {
    h = await createCommandApiHarness({
      wrap: (real) => ({
        load: (id, o) => real.load(id, o),
        // A register goes straight to save (no read for a fresh id): hold it there.
        save: (...args) => {
          entered.open();
          return ResultAsync.fromSafePromise(g.opened).andThen(() => real.save(...args));
        },
        findIdempotency: (k) => real.findIdempotency(k),
      }),
    });
  });
  afterAll(async () => {
    await h.drop();
  });

  const listen = () =>
    new Promise<{ server: ReturnType<typeof serve>; base: string }>((resolve) => {
      const server = serve({ fetch: h.app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
        resolve({ server, base: `http://127.0.0.1:${(info as AddressInfo).port}` }),
      );
    });

  const register = (base: string) =>
    fetch(`${base}/commands/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Draining", price: 1 }),
    });

  it("finishes in-flight requests, refuses new connections, then resolves drained", async () => {
    g = gate();
    entered = gate();
    const { server, base } = await listen();
    const inFlight = register(base);
    await entered.opened;
    const drained = drain(server, { graceMs: 10_000 });
    await expect(fetch(`${base}/commands/healthz`)).rejects.toThrow();
    g.open();
    const res = await inFlight;
    expect(res.status).toBe(201);
    const { itemId } = (await res.json()) as { itemId: string };
    expect((await h.journal.readStream(itemId)).version).toBe(1);
    expect(await drained).toBe("drained");
  });

  it("cuts connections still open after the grace period", async () => {
    g = gate();
    entered = gate();
    const { server, base } = await listen();
    const stuck = register(base).then(
      () => "answered",
      () => "cut",
    );
    await entered.opened;
    expect(await drain(server, { graceMs: 50 })).toBe("forced");
    expect(await stuck).toBe("cut");
    g.open();
  });
});

describe("services/command-api/main.ts", () => {
  it("serves from its env configuration and exits 0 after draining on SIGTERM", async () => {
    const h = await createCommandApiHarness();
    const issuer = await TestIssuer.start();
    const main = await startMain(
      "services/command-api/main.ts",
      {
        DYNAMODB_ENDPOINT: inject("dynamodbEndpoint"),
        JOURNAL_TABLE: tableName(h.tables, "journal"),
        SNAPSHOTS_TABLE: tableName(h.tables, "snapshots"),
        IDEMPOTENCY_TABLE: tableName(h.tables, "idempotency"),
        AUTH_ISSUER: issuer.issuer,
        AUTH_AUDIENCES: TEST_AUDIENCE,
      },
      "/commands/healthz",
    );
    try {
      const post = (headers: Record<string, string>) =>
        fetch(`${main.base}/commands/items`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ name: "From main", price: 5 }),
        });
      expect((await post({})).status).toBe(401);
      const token = await issuer.mint({ scopes: ["items:write"] });
      const res = await post({ authorization: `Bearer ${token}` });
      expect(res.status).toBe(201);
      // Idle connections outlive the load balancer's 60 s (Node's default of 5 s causes 502s).
      expect(res.headers.get("keep-alive")).toBe("timeout=65");
      const lines = await expectCleanStop(main, ["command-api listening"]);
      expect(lines.find((l) => l.status === 201)).toMatchObject({
        msg: "request",
        route: "/commands/items",
      });
      expect(lines.at(-1)).toMatchObject({ how: "drained" });
      // The one structured logger: service and level on every line, correlation id per request.
      for (const line of lines)
        expect(line).toMatchObject({ service: "command-api", level: "info" });
      const requests = lines.filter((l) => l.msg === "request");
      for (const line of requests) expect(line.correlationId).toEqual(expect.any(String));
    } finally {
      main.kill();
      await issuer.stop();
      await h.drop();
    }
  });
});
