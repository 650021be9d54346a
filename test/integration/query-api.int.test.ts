import type { Hono } from "hono";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateLives, journalAppender } from "../../bench/projection-workload.js";
import { seededRandom } from "../../bench/support/args.js";
import type { StoredEvent } from "../../services/event-store/codec.js";
import type { DynamoDbEventStore } from "../../services/event-store/dynamodb-event-store.js";
import type { ShellEnv } from "../../services/http/shell.js";
import { createQueryApi } from "../../services/query-api/app.js";
import { queryApiOpenApi } from "../../services/query-api/openapi.js";
import { createProjector, type Projector } from "../../services/read-model/projector.js";
import { liveTables, versionChannel } from "../../services/read-model/tables.js";
import {
  InProcessVersionSignal,
  PgVersionListener,
  type VersionSignal,
} from "../../services/read-model/version-signal.js";
import { received } from "../support/events.js";
import { eventually, settled } from "../support/eventually.js";
import type { TestReadModel, TestTables } from "../support/infra.js";
import { singleConnectionReadModel, tableName } from "../support/infra.js";
import { seededJournal } from "../support/journal.js";
import { presetCaller } from "../support/preset-caller.js";

type Json = Record<string, unknown>;

describe("query API", () => {
  let tables: TestTables;
  let model: TestReadModel;
  let store: DynamoDbEventStore;
  let app: Hono<ShellEnv>;
  let events: StoredEvent[];
  const signal = new InProcessVersionSignal();
  /** Every (route, status) the tests saw, checked against the OpenAPI document at the end. */
  const seen = new Set<string>();

  const routeOf = (path: string) =>
    path
      .replace(/\?.*$/, "")
      .replace(/\/items\/[^/]+\/history$/, "/items/{id}/history")
      .replace(/\/items\/[^/]+$/, "/items/{id}");

  const get = async (
    target: Hono<ShellEnv>,
    path: string,
    headers: Record<string, string> = {},
  ) => {
    const res = await target.request(path, { headers });
    seen.add(`${routeOf(path)} ${res.status}`);
    return res;
  };

  const projectorFor = (onCommitted = signal.publish): Projector =>
    createProjector({
      db: model.db,
      journal: store,
      tables: liveTables(model.schema),
      notify: true,
      onCommitted,
    });

  beforeAll(async () => {
    model = await singleConnectionReadModel();
    ({ tables, store, events } = await seededJournal(generateLives(seededRandom(3), 45, 4), {
      concurrency: 8,
    }));
    await projectorFor()(events);
    app = createQueryApi({
      db: model.db,
      access: presetCaller(),
      versions: signal,
      readYourWritesTimeoutMs: 2000,
    });
  });

  afterAll(async () => {
    await model.drop();
    await tables?.drop();
  });

  describe("GET /queries/items", () => {
    it("walks every item exactly once, in a stable order, page by page", async () => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(app, `/queries/items?limit=7${cursor ? `&cursor=${cursor}` : ""}`);
        expect(res.status).toBe(200);
        const body = (await res.json()) as { items: Json[]; nextCursor: string | null };
        expect(body.items.length).toBeLessThanOrEqual(7);
        ids.push(...body.items.map((i) => String(i.itemId)));
        cursor = body.nextCursor;
      } while (cursor);
      expect(ids).toHaveLength(45);
      expect([...ids].sort()).toEqual(ids);
    });

    it("filters by status and by a name substring", async () => {
      const res = await get(app, "/queries/items?status=Discontinued&limit=100");
      const body = (await res.json()) as { items: Json[] };
      const discontinued = new Set(
        events
          .filter((e) => e.event.type === "ItemDiscontinued")
          .map((e) => e.metadata.aggregateId),
      );
      expect(body.items.map((i) => i.itemId).sort()).toEqual([...discontinued].sort());
      const named = (await (await get(app, "/queries/items?q=RENAMED&limit=100")).json()) as {
        items: Json[];
      };
      expect(named.items.every((i) => String(i.name).startsWith("renamed"))).toBe(true);
    });

    it("answers 400 problem+json listing every invalid parameter", async () => {
      const res = await get(app, "/queries/items?limit=1000&status=Gone&cursor=zzz&sort=name");
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const p = (await res.json()) as { errors: Array<{ field: string }> };
      expect(p.errors.map((e) => e.field).sort()).toEqual(["cursor", "limit", "sort", "status"]);
    });
  });

  describe("GET /queries/items/{id}", () => {
    it("returns the item with its version as ETag, and 304 when If-None-Match matches", async () => {
      const id = events[0]?.metadata.aggregateId ?? "";
      const res = await get(app, `/queries/items/${id}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Json;
      expect(res.headers.get("etag")).toBe(`"${body.version}"`);
      const again = await get(app, `/queries/items/${id}`, {
        "if-none-match": res.headers.get("etag") ?? "",
      });
      expect(again.status).toBe(304);
      const stale = await get(app, `/queries/items/${id}`, { "if-none-match": '"0"' });
      expect(stale.status).toBe(200);
    });

    it("answers 404 for an unknown item and 400 for a malformed id", async () => {
      const unknown = await get(app, "/queries/items/0193c0de-0000-7000-8000-000000000000");
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get("content-type")).toContain("application/problem+json");
      expect((await get(app, "/queries/items/not-a-uuid")).status).toBe(400);
    });
  });

  describe("GET /queries/items/{id}/history", () => {
    it("pages through one row per event, oldest first", async () => {
      const id = events[0]?.metadata.aggregateId ?? "";
      const expected = events.filter((e) => e.metadata.aggregateId === id).length;
      const seqs: number[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(
          app,
          `/queries/items/${id}/history?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        );
        const body = (await res.json()) as { events: Json[]; nextCursor: string | null };
        seqs.push(...body.events.map((e) => Number(e.sequenceNumber)));
        cursor = body.nextCursor;
      } while (cursor);
      expect(seqs).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
      expect(
        (await get(app, "/queries/items/0193c0de-0000-7000-8000-000000000000/history")).status,
      ).toBe(404);
    });
  });

  it("GET /queries/inventory shows count and stock value per status", async () => {
    const res = await get(app, "/queries/inventory");
    const body = (await res.json()) as { totals: Json[] };
    const rows: Json[] = await model.db.query(
      `SELECT status, count(*)::int AS n, sum(stock * price)::text AS v
         FROM "${model.schema}".items GROUP BY status ORDER BY status`,
    );
    expect(body.totals.filter((t) => Number(t.itemCount) > 0)).toEqual(
      rows.map((r) =>
        expect.objectContaining({ status: r.status, itemCount: r.n, stockValue: r.v }),
      ),
    );
  });

  it("GET /queries/healthz answers ok", async () => {
    expect((await get(app, "/queries/healthz")).status).toBe(200);
  });

  describe("read-your-writes (?minVersion=)", () => {
    let used = 0;
    /**
     * A deadline no test reaches: the waiter's re-read at the deadline cannot answer for a signal
     * that never came, so only the signal (or polling) can wake it, and `settled` fails the test.
     */
    const DEADLINE_OUT_OF_REACH = 3_600_000;
    // A lagging projector: applies each write after a random delay, like the stream consumer.
    const writeThenRead = async (target: Hono<ShellEnv>, project: Projector, n: number) => {
      const random = seededRandom(n);
      const ids = [...new Set(events.map((e) => e.metadata.aggregateId))].slice(used, used + n);
      used += n;
      const results = await Promise.all(
        Array.from({ length: n }, async (_, k) => {
          const id = ids[k] ?? "";
          const loaded = await store.readStream(id);
          const appended = await journalAppender(tables.client, tableName(tables, "journal"))(
            id,
            loaded.version,
            [received(1)],
            {
              commandId: `c${k}`,
              correlationId: `c${k}`,
              now: new Date(),
              actor: { subject: "t" },
            },
          );
          const version = loaded.version + 1;
          const projecting = new Promise((r) => setTimeout(r, random() * 300)).then(() =>
            project(appended._unsafeUnwrap()),
          );
          const res = await settled(
            get(target, `/queries/items/${id}?minVersion=${version}`),
            `the answer for version ${version}, woken before any deadline`,
          );
          await projecting;
          return {
            status: res.status,
            seen: Number(((await res.json()) as Json).version),
            version,
          };
        }),
      );
      for (const r of results) {
        expect(r.status).toBe(200);
        expect(r.seen).toBeGreaterThanOrEqual(r.version);
      }
    };

    it("always sees the write, woken by the projector's in-process signal", async () => {
      const viaSignal = createQueryApi({
        db: model.db,
        access: presetCaller(),
        versions: signal,
        readYourWritesTimeoutMs: DEADLINE_OUT_OF_REACH,
      });
      await writeThenRead(viaSignal, projectorFor(), 12);
    });

    it("always sees the write without any signal (bounded polling fallback)", async () => {
      const polling = createQueryApi({
        db: model.db,
        access: presetCaller(),
        fallbackPollMs: 20,
        readYourWritesTimeoutMs: DEADLINE_OUT_OF_REACH,
      });
      await writeThenRead(
        polling,
        projectorFor(() => undefined),
        6,
      );
    });

    it("always sees the write through LISTEN/NOTIFY where the server delivers it", async () => {
      const listener = new PgVersionListener({ url: inject("databaseUrl"), schema: model.schema });
      await listener.start();
      try {
        // Real Postgres (CI) must deliver every NOTIFY: no deadline can stand in for one. PGlite
        // delivers none across connections, so there only the deadline re-read answers.
        const embedded = inject("embeddedPostgres");
        if (embedded) expect(await notifyDelivered(listener, model.schema)).toBe(false);
        const viaNotify = createQueryApi({
          access: presetCaller(),
          db: model.db,
          versions: listener,
          readYourWritesTimeoutMs: embedded ? 600 : DEADLINE_OUT_OF_REACH,
        });
        await writeThenRead(
          viaNotify,
          projectorFor(() => undefined),
          6,
        );
      } finally {
        await listener.stop();
      }
    });

    it("answers 504 problem+json with Retry-After when the version is not reached in time", async () => {
      const impatient = createQueryApi({
        access: presetCaller(),
        db: model.db,
        versions: signal,
        readYourWritesTimeoutMs: 50,
      });
      const id = events[0]?.metadata.aggregateId ?? "";
      const res = await get(impatient, `/queries/items/${id}?minVersion=999`);
      expect(res.status).toBe(504);
      expect(res.headers.get("retry-after")).toBe("1");
      expect((await res.json()) as Json).toMatchObject({ minVersion: 999 });
      expect((await get(app, `/queries/items/${id}?minVersion=0`)).status).toBe(400);
    });
  });

  describe("OpenAPI contract", () => {
    const documented = () =>
      Object.entries(queryApiOpenApi.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      );

    it("documents exactly the routes the app serves", async () => {
      // ALL: the 404/405 fallback, not an operation.
      const served = app.routes
        .filter((r) => r.method !== "ALL")
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
      expect([...new Set(served)].sort()).toEqual(documented().sort());
      const res = await get(app, "/queries/openapi.json");
      expect(await res.json()).toEqual(JSON.parse(JSON.stringify(queryApiOpenApi)));
    });

    it("documents every status the tests above received", () => {
      const paths = queryApiOpenApi.paths as Record<string, { get: { responses: object } }>;
      const missing = [...seen].filter((s) => {
        const [route = "", status = ""] = s.split(" ");
        return !(status in (paths[route]?.get.responses ?? {}));
      });
      expect(seen.size).toBeGreaterThan(8);
      expect(missing).toEqual([]);
    });
  });
});

/** Whether a NOTIFY from another connection reaches the listener (real Postgres: yes). */
const notifyDelivered = async (listener: VersionSignal, schema: string): Promise<boolean> => {
  const client = new pg.Client({ connectionString: inject("databaseUrl") });
  await client.connect();
  const id = "0193c0de-0000-7000-8000-0000000000ff";
  let heard = false;
  const unsubscribe = listener.subscribe((r) => {
    if (r.some((x) => x.itemId === id)) heard = true;
  });
  try {
    await client.query("SELECT pg_notify($1, $2)", [versionChannel(schema), `${id}:1`]);
    return await eventually(async () => (heard ? true : undefined), { timeoutMs: 1000 }).catch(
      () => false,
    );
  } finally {
    unsubscribe();
    await client.end();
  }
};
