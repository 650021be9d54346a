import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { createVersionWaiter } from "../../services/query-api/read-your-writes/version-waiter.js";
import { versionChannel } from "../../services/read-model/tables.js";
import { PgVersionListener } from "../../services/read-model/version-signal.js";
import { cuttableProxy } from "../support/cuttable-proxy.js";
import { eventually, settled } from "../support/eventually.js";
import { FakeClock } from "../support/fake-clock.js";
import { uniqueSuffix } from "../support/infra.js";

const refused = (e: unknown) => (e as { code?: string }).code === "ECONNREFUSED";

// The LISTEN connection goes through a proxy the test cuts: reconnects must keep failing
// (not give up after the first) and succeed once Postgres is reachable again.
describe("PgVersionListener reconnecting", () => {
  it("keeps retrying after failed reconnects and LISTENs again once Postgres is back", async () => {
    const proxy = await cuttableProxy(new URL(inject("databaseUrl")));
    const schema = `vs_${uniqueSuffix()}`;
    const errors: unknown[] = [];
    let listens = 0;
    const listener = new PgVersionListener({
      url: proxy.url,
      schema,
      reconnect: { initialMs: 10, maxMs: 50, multiplier: 2 },
      onError: (e) => errors.push(e),
      onListening: () => {
        listens += 1;
      },
    });
    await listener.start();
    try {
      expect(listens).toBe(1);
      await proxy.cut();
      await eventually(async () => errors.filter(refused).length >= 3 || undefined, {
        what: "several refused reconnects",
      });
      expect(listens).toBe(1);
      await proxy.restore();
      await eventually(async () => listens === 2 || undefined, { what: "LISTEN again" });

      // PGlite delivers no NOTIFY across connections; on real Postgres (CI) one wakes a waiter.
      // The waiter's clock never moves, so its deadline re-read cannot stand in for the NOTIFY.
      if (!inject("embeddedPostgres")) {
        const itemId = "0193c0de-0000-7000-8000-0000000000aa";
        let projected = 0;
        const wait = createVersionWaiter({
          readVersion: async () => projected,
          signal: listener,
          timeoutMs: 30_000,
          clock: new FakeClock(),
        });
        const waiting = wait(itemId, 1);
        const notifier = new pg.Client({ connectionString: inject("databaseUrl") });
        await notifier.connect();
        try {
          projected = 1;
          await notifier.query("SELECT pg_notify($1, $2)", [versionChannel(schema), `${itemId}:1`]);
          expect(await settled(waiting, "the waiter woken by NOTIFY")).toEqual({
            reached: true,
            version: 1,
          });
        } finally {
          await notifier.end();
        }
      }
    } finally {
      await listener.stop();
      await proxy.close();
    }
  });

  // main.ts relies on this: a listener that cannot start fails the task instead of limping on.
  it("rejects start when Postgres is unreachable", async () => {
    const proxy = await cuttableProxy(new URL(inject("databaseUrl")));
    await proxy.cut();
    const listener = new PgVersionListener({ url: proxy.url, schema: `vs_${uniqueSuffix()}` });
    try {
      await expect(listener.start()).rejects.toSatisfy(refused);
    } finally {
      await listener.stop();
      await proxy.close();
    }
  });
});
