import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  appendLives,
  dumpReadModel,
  generateLives,
  journalAppender,
} from "../../bench/projection-workload.js";
import { seededRandom } from "../../bench/support/args.js";
import type { StoredEvent } from "../../services/event-store/codec.js";
import type { DynamoDbEventStore } from "../../services/event-store/dynamodb-event-store.js";
import { DynamoDbNeedsRebuildStore } from "../../services/read-model/needs-rebuild-store.js";
import { createProjector } from "../../services/read-model/projector.js";
import {
  projectJournalIntoShadow,
  type RebuildOptions,
  rebuildReadModel,
} from "../../services/read-model/rebuild/rebuild.js";
import { swapShadowTables } from "../../services/read-model/rebuild/shadow-tables.js";
import { liveTables } from "../../services/read-model/tables.js";
import type { TestReadModel, TestTables } from "../support/infra.js";
import { awsOptions, singleConnectionReadModel, tableName } from "../support/infra.js";
import { seededJournal } from "../support/journal.js";

const run = promisify(execFile);

// Rebuild from the journal (no stream) must give, row for row, what the live projection gives.
describe("rebuild", () => {
  let tables: TestTables;
  let store: DynamoDbEventStore;
  let events: StoredEvent[];
  let reference: Awaited<ReturnType<typeof dumpReadModel>>;
  const models: TestReadModel[] = [];
  const random = seededRandom(21);

  const freshModel = async () => {
    const m = await singleConnectionReadModel();
    models.push(m);
    return m;
  };

  const options = (m: TestReadModel, extra: Partial<RebuildOptions> = {}): RebuildOptions => ({
    db: m.db,
    schema: m.schema,
    dynamo: tables.client,
    journalTableName: tableName(tables, "journal"),
    journal: store,
    segments: 4,
    pageSize: 200,
    ...extra,
  });

  /** Live path: random batches, each delivered twice. */
  const projectLive = async (m: TestReadModel, list: readonly StoredEvent[]) => {
    const project = createProjector({ db: m.db, journal: store, tables: liveTables(m.schema) });
    for (let i = 0; i < list.length; ) {
      const size = 1 + Math.floor(random() * 200);
      const batch = list.slice(i, i + size);
      await project(batch);
      await project(batch);
      i += size;
    }
  };

  beforeAll(async () => {
    // ~2,200 events; several per append keeps DynamoDB Local's transactions few enough.
    ({ tables, store, events } = await seededJournal(generateLives(random, 270, 8), {
      concurrency: 8,
      eventsPerAppend: 10,
    }));
    const live = await freshModel();
    await projectLive(live, events);
    reference = await dumpReadModel(live.db, live.schema);
  });

  afterAll(async () => {
    for (const m of models) await m.drop();
    await tables?.drop();
  });

  it("rebuilds tables equal, row for row, to the live-projected ones after thousands of commands", async () => {
    expect(events.length).toBeGreaterThan(2000);
    const m = await freshModel();
    const progress: number[] = [];
    const outcome = await rebuildReadModel(
      options(m, { onProgress: (p) => progress.push(p.events) }),
    );
    expect(outcome.events).toBe(events.length);
    expect(progress.at(-1)).toBe(events.length);
    expect(await dumpReadModel(m.db, m.schema)).toEqual(reference);
    const drift = await m.db.driver.createSchemaBuilder().log();
    expect(drift.upQueries.map((q) => q.query)).toEqual([]);
  });

  it("swaps in under a running live projection without losing or double-applying events", async () => {
    const m = await freshModel();
    await projectLive(m, events);
    await projectJournalIntoShadow(options(m));

    // Events appended after the scan: the live projector applies them to the old tables...
    const more = generateLives(random, 10, 4);
    const late = await appendLives(
      journalAppender(tables.client, tableName(tables, "journal")),
      more,
    );
    await projectLive(m, late);
    // ...the swap brings them into the shadow from the journal before renaming it in.
    const swap = await swapShadowTables(m.db, m.schema, store);
    expect(swap.reconciled).toBe(10);

    // The live projection continues from its checkpoint: redeliveries are skipped.
    await projectLive(m, late);
    const clean = await freshModel();
    await projectLive(clean, [...events, ...late]);
    expect(await dumpReadModel(m.db, m.schema)).toEqual(
      await dumpReadModel(clean.db, clean.schema),
    );
    events.push(...late);
    reference = await dumpReadModel(clean.db, clean.schema);
  });

  it("resumes an interrupted rebuild from where its segments stopped", async () => {
    const m = await freshModel();
    let pages = 0;
    const crash = options(m, {
      onProgress: () => {
        pages += 1;
        if (pages === 6) throw new Error("simulated crash");
      },
    });
    await expect(rebuildReadModel(crash)).rejects.toThrow("simulated crash");
    const outcome = await rebuildReadModel(options(m, { resume: true }));
    expect(outcome.resumed).toBe(true);
    expect(await dumpReadModel(m.db, m.schema)).toEqual(reference);
  });

  it("runs as a CLI: heals and clears the consumer's markers, explains a missing journal table", async () => {
    const m = await freshModel();
    const env = {
      ...process.env,
      DATABASE_URL: inject("databaseUrl"),
      DATABASE_SCHEMA: m.schema,
      JOURNAL_TABLE: tableName(tables, "journal"),
      DYNAMODB_ENDPOINT: awsOptions().endpoint,
    };
    const markers = new DynamoDbNeedsRebuildStore(tables.client, tableName(tables, "parked"));
    await markers.mark({
      shardId: "shard-1",
      checkpoint: "100",
      reason: "TrimmedDataAccess",
      detectedAt: new Date(Date.now() - 60_000),
    });
    const cli = ["tsx", "services/cli/rebuild/main.ts", "--segments", "2"];
    const ok = await run("npx", cli, {
      env: { ...env, PARKED_TABLE: tableName(tables, "parked") },
    });
    const logged = ok.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({
        service: "rebuild",
        msg: 'healing a "needs rebuild" marker',
        shardId: "shard-1",
      }),
    );
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: "info",
        msg: "rebuild done: the read model was swapped in",
      }),
    );
    expect(logged.at(-1)?.eventsPerSecond).toEqual(expect.any(Number));
    expect(ok.stderr).toMatch(/ev\/s/); // the progress bar
    expect(await dumpReadModel(m.db, m.schema)).toEqual(reference);
    expect(await markers.list()).toEqual([]);

    const missing = await run("npx", cli, { env: { ...env, JOURNAL_TABLE: "no-such-journal" } })
      .then(() => undefined)
      .catch((e: { code: number; stderr: string }) => e);
    expect(missing?.code).toBe(1);
    expect(missing?.stderr).toMatch(/journal table "no-such-journal" does not exist/);
  });
});
