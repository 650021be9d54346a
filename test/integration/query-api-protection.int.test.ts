import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createQueryApi } from "../../services/query-api/app.js";
import { isDatabaseUnavailable } from "../../services/query-api/database-unavailable.js";
import { ItemReads } from "../../services/query-api/items/read.js";
import { openHealthProbe, openReadModel } from "../../services/read-model/data-source.js";
import { eventually } from "../support/eventually.js";
import type { TestReadModel } from "../support/infra.js";
import { createTestReadModel } from "../support/infra.js";
import { presetCaller } from "../support/preset-caller.js";
import { expectProblem } from "../support/problem.js";

const itemId = "0193c0de-0000-7000-8000-00000000a001";

/** Inserts `n` items straight into the read model (names "item <i>"), plus one "Green tea". */
const seedItems = async (m: TestReadModel, n: number) => {
  await m.db.query(
    `INSERT INTO "${m.schema}"."items"
       SELECT md5(i::text)::uuid, 'item ' || i, 100, 0, 'Active', 1, now(), now()
       FROM generate_series(1, $1) i`,
    [n],
  );
  await m.db.query(
    `INSERT INTO "${m.schema}"."items" VALUES ($1, 'Green tea', 450, 0, 'Active', 1, now(), now())`,
    [itemId],
  );
  await m.db.query(`ANALYZE "${m.schema}"."items"`);
};

/** A one-connection pool on this schema, with these extra options. */
const oneConnection = (
  schema: string,
  options: { poolTimeoutMs?: number; statementTimeoutMs?: number } = {},
) => openReadModel({ url: inject("databaseUrl"), schema, poolSize: 1, ...options });

describe("protecting the query API's database", () => {
  let m: TestReadModel;
  beforeAll(async () => {
    m = await createTestReadModel();
    await seedItems(m, 10_000);
  });
  // Not returned by beforeAll: the schema is dropped even when seeding fails.
  afterAll(async () => {
    await m.drop();
  });

  it("searches names of 10,000 items through the trigram index, not a sequential scan", async () => {
    const reads = new ItemReads(m.db);
    const [sql, parameters] = reads
      .listItemsQuery({ limit: 20, q: "green" })
      .getQueryAndParameters();
    const plan = (await m.db.query(`EXPLAIN ${sql}`, parameters)) as { "QUERY PLAN": string }[];
    const text = plan.map((r) => r["QUERY PLAN"]).join("\n");
    expect(text).not.toMatch(/Seq Scan/);
    expect(text).toMatch(/IDX_items_name_trgm/);
    const api = createQueryApi({ access: presetCaller(), db: m.db });
    const found = (await (await api.request("/queries/items?q=GREEN")).json()) as {
      items: { itemId: string }[];
    };
    expect(found.items.map((i) => i.itemId)).toEqual([itemId]);
  });

  it("answers 400 problem+json, not 500, for a NUL or another control character in any parameter", async () => {
    const api = createQueryApi({ access: presetCaller(), db: m.db });
    for (const target of [
      "/queries/items?q=%00",
      "/queries/items?q=tea%C2%85",
      "/queries/items?status=Active%00",
      "/queries/items?cursor=%01",
      `/queries/items/${itemId}?minVersion=1%00`,
      `/queries/items/${itemId}/history?limit=%7F`,
    ]) {
      const p = await expectProblem(await api.request(target), 400, "validation");
      expect(p.errors).toHaveLength(1);
    }
  });

  it("answers an unexpected database error with a 500 problem that shows no SQL, stack or parameters", async () => {
    const broken = await oneConnection(m.schema);
    try {
      // The tables disappear under the running API: every read fails in Postgres.
      await broken.query(`ALTER TABLE "${m.schema}"."items" RENAME TO "items_gone"`);
      const api = createQueryApi({ access: presetCaller(), db: broken });
      const res = await api.request("/queries/items?q=secret-term");
      const body = await expectProblem(res, 500, "internal");
      const text = JSON.stringify(body);
      for (const leak of ["SELECT", m.schema, "secret-term", "at ", "relation"]) {
        expect(text).not.toContain(leak);
      }
    } finally {
      await broken.query(`ALTER TABLE "${m.schema}"."items_gone" RENAME TO "items"`);
      await broken.destroy();
    }
  });
});

describe("a saturated query pool", () => {
  let m: TestReadModel;
  beforeAll(async () => {
    m = await createTestReadModel();
    return () => m.drop();
  });

  it("answers 503 with Retry-After when no connection frees up in time, while health answers on its own connection", async () => {
    const db = await oneConnection(m.schema, { poolTimeoutMs: 100 });
    const health = openHealthProbe({ url: inject("databaseUrl"), timeoutMs: 2_000 });
    // A long request holds the only connection of the pool.
    const busy = db.createQueryRunner();
    await busy.connect();
    try {
      const api = createQueryApi({ access: presetCaller(), db, databaseAnswers: health.answers });
      const res = await api.request(`/queries/items/${itemId}`);
      await expectProblem(res, 503, "unavailable");
      expect(res.headers.get("retry-after")).toBe("1");
      expect((await api.request("/queries/healthz")).status).toBe(200);
      // Without a connection of its own, the health check starves with the pool.
      const starving = createQueryApi({ access: presetCaller(), db });
      await expectProblem(await starving.request("/queries/healthz"), 503, "unavailable");
    } finally {
      await busy.release();
      await health.close();
      await db.destroy();
    }
  });

  it("answers 503 with Retry-After when a query runs past statement_timeout", async () => {
    if (inject("embeddedPostgres")) {
      // PGlite runs one statement at a time and has no timers: no query can be held up there.
      expect(isDatabaseUnavailable({ driverError: { code: "57014" } })).toBe(true);
      return;
    }
    const db = await oneConnection(m.schema, { statementTimeoutMs: 200 });
    const locker = await oneConnection(m.schema);
    const holder = locker.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      // Another transaction holds the table: the read waits until statement_timeout cancels it.
      await holder.query(`LOCK TABLE "${m.schema}"."items" IN ACCESS EXCLUSIVE MODE`);
      const res = await createQueryApi({ access: presetCaller(), db }).request("/queries/items");
      await expectProblem(res, 503, "unavailable");
      expect(res.headers.get("retry-after")).toBe("1");
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
      await locker.destroy();
      await db.destroy();
    }
  });

  it("refuses read-your-writes waiters beyond the cap with 503, and admits again once one is done", async () => {
    await m.db.query(
      `INSERT INTO "${m.schema}"."items" VALUES ($1, 'Waited', 1, 0, 'Active', 1, now(), now())`,
      [itemId],
    );
    const api = createQueryApi({
      access: presetCaller(),
      db: m.db,
      maxVersionWaiters: 1,
      readYourWritesTimeoutMs: 60_000,
      fallbackPollMs: 20,
    });
    const waiting = api.request(`/queries/items/${itemId}?minVersion=2`);
    await eventually(async () => {
      const res = await api.request(`/queries/items/${itemId}?minVersion=2`);
      return res.status === 503 ? res : undefined;
    }).then((res) => expectProblem(res, 503, "overloaded"));
    await m.db.query(`UPDATE "${m.schema}"."items" SET version = 2 WHERE item_id = $1`, [itemId]);
    expect((await waiting).status).toBe(200);
    expect((await api.request(`/queries/items/${itemId}?minVersion=2`)).status).toBe(200);
  });

  it("sets statement_timeout on every query connection", async () => {
    const db = await oneConnection(m.schema, { statementTimeoutMs: 1234 });
    try {
      const [row] = (await db.query("SHOW statement_timeout")) as { statement_timeout: string }[];
      // PGlite (the embedded default) ignores startup parameters; real Postgres and Aurora apply it.
      expect(row?.statement_timeout).toBe(inject("embeddedPostgres") ? "0" : "1234ms");
    } finally {
      await db.destroy();
    }
  });
});
