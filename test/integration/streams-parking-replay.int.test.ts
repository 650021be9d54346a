import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { journalAppender } from "../../bench/projection-workload.js";
import {
  PUBLISHER_REPLAY_REFUSED,
  runParkedRecordsCli,
  UsageError,
} from "../../services/cli/parked-records/cli.js";
import type { ItemEvent } from "../../services/domain/item/index.js";
import { DynamoDbEventStore } from "../../services/event-store/dynamodb-event-store.js";
import { silentLogger } from "../../services/logging/logger.js";
import { journalAggregateKey, journalPosition } from "../../services/read-model/journal-keys.js";
import { DynamoDbNeedsRebuildStore } from "../../services/read-model/needs-rebuild-store.js";
import { readModelHandler } from "../../services/read-model/stream-handler.js";
import { DynamoDbParkingStore } from "../../services/streams/parking/dynamodb-parking-store.js";
import type { RecordHandler } from "../../services/streams/processing/process-batch.js";
import { createResilientProcessBatch } from "../../services/streams/processing/resilient-process-batch.js";
import { DynamoDbStreamClient } from "../../services/streams/retrieval/dynamodb-stream-client.js";
import type { StreamRecord } from "../../services/streams/retrieval/stream-client.js";
import {
  journalTable,
  parkedTable,
  publisherParkedTable,
} from "../../services/tables/definitions.js";
import { streamArnOf } from "../../services/tables/provision.js";
import { received, registered, renamed, repriced } from "../support/events.js";
import { eventually } from "../support/eventually.js";
import { FakeClock } from "../support/fake-clock.js";
import type { TestReadModel, TestTables } from "../support/infra.js";
import {
  createTestReadModel,
  createTestTables,
  tableName,
  testDynamoDbStreams,
} from "../support/infra.js";

const ids = { a: crypto.randomUUID(), b: crypto.randomUUID(), c: crypto.randomUUID() };
// Interleaved history; item a's second event (its rename) hits a projection bug.
const history: Array<[keyof typeof ids, ItemEvent]> = [
  ["a", registered(ids.a, "Tea")],
  ["b", registered(ids.b, "Coffee")],
  ["c", registered(ids.c, "Cocoa")],
  ["a", renamed("Green tea")],
  ["b", received(10)],
  ["a", received(5)],
  ["c", renamed("Hot cocoa")],
  ["b", repriced(250)],
  ["a", repriced(120)],
  ["c", received(7)],
  ["a", received(3)],
  ["b", renamed("Espresso")],
];
const isPoison = (r: StreamRecord) =>
  journalAggregateKey(r) === ids.a && journalPosition(r).endsWith("002");

/** Every row of every read-model table, as sorted JSON: the whole observable state. */
const dump = async (rm: TestReadModel): Promise<Record<string, string[]>> => {
  const tables: Array<{ table_name: string }> = await rm.db.query(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name NOT LIKE '%migrations%'",
    [rm.schema],
  );
  const out: Record<string, string[]> = {};
  for (const { table_name } of tables) {
    const rows: Array<{ j: string }> = await rm.db.query(
      `SELECT row_to_json(t)::text AS j FROM "${rm.schema}"."${table_name}" t`,
    );
    out[table_name] = rows.map((r) => r.j).sort();
  }
  return out;
};

describe("a poison record in the journal stream, parked and replayed", () => {
  let tables: TestTables;
  let undisturbed: TestReadModel;
  let disturbed: TestReadModel;
  let journal: DynamoDbEventStore;
  let parking: DynamoDbParkingStore;
  let records: StreamRecord[];
  let shardId: string;
  let bugFixed = false;
  let handler: RecordHandler;

  beforeAll(async () => {
    tables = await createTestTables([journalTable, parkedTable]);
    [undisturbed, disturbed] = await Promise.all([createTestReadModel(), createTestReadModel()]);
    journal = new DynamoDbEventStore({
      client: tables.client,
      journalTableName: tableName(tables, "journal"),
    });
    parking = new DynamoDbParkingStore(tables.client, tableName(tables, "parked"));
    const append = journalAppender(tables.client, tableName(tables, "journal"));
    const versions = new Map<string, number>();
    for (const [i, [item, event]] of history.entries()) {
      const version = versions.get(item) ?? 0;
      (
        await append(ids[item], version, [event], {
          commandId: `cmd-${i}`,
          correlationId: `corr-${i}`,
          now: new Date(Date.UTC(2026, 0, 1, 0, i)),
          actor: { subject: "test-user" },
        })
      )._unsafeUnwrap();
      versions.set(item, version + 1);
    }

    const client = new DynamoDbStreamClient(testDynamoDbStreams());
    const streamArn = await streamArnOf(tables.client, tableName(tables, "journal"));
    records = await eventually(
      async () => {
        const found: StreamRecord[] = [];
        for (const shard of await client.listShards(streamArn)) {
          shardId = shard.shardId;
          let it: string | undefined = await client.getShardIterator(streamArn, shard.shardId, {
            type: "TRIM_HORIZON",
          });
          for (let page = 0; it && page < 5; page++) {
            const out = await client.getRecords(it, 1000);
            found.push(...out.records);
            it = out.records.length > 0 ? out.nextIterator : undefined;
          }
        }
        return found.length === history.length ? found : undefined;
      },
      { what: "all journal records on the stream" },
    );

    const live = readModelHandler({ db: disturbed.db, journal, schema: disturbed.schema });
    handler = async (input) => {
      if (!bugFixed && input.records.some(isPoison))
        throw new Error("projection bug: cannot rename");
      return live(input);
    };
    await readModelHandler({ db: undisturbed.db, journal, schema: undisturbed.schema })({
      shardId,
      records,
    });
  });

  afterAll(async () => {
    await Promise.all([undisturbed?.drop(), disturbed?.drop(), tables?.drop()]);
  });

  const consumer = () =>
    createResilientProcessBatch({
      handler,
      parking,
      keyOf: journalAggregateKey,
      positionOf: journalPosition,
      policy: { maxRetries: 2, maxRecordAgeMs: -1 },
      clock: new FakeClock({ autoAdvance: true }),
      logger: silentLogger,
    });

  /** The parked-records CLI's dependencies, with its output collected in `lines`. */
  const inProcessCli = () => {
    const lines: string[] = [];
    const deps = {
      store: parking,
      needsRebuild: new DynamoDbNeedsRebuildStore(tables.client, tableName(tables, "parked")),
      openHandler: async () => ({ handler, close: async () => {} }),
      out: (t: string) => lines.push(t),
    };
    return { lines, deps };
  };

  it("isolates exactly the poison record, parks the rest of its aggregate behind it, lets the others flow", async () => {
    // Two batches, with a restart between them: the block must survive it (it lives in DynamoDB).
    for (const batch of [records.slice(0, 6), records.slice(6)]) {
      const result = await consumer()({ shardId, records: batch });
      expect(result.checkpointUpTo).toBe(batch.at(-1)?.sequenceNumber);
    }
    const { block, records: parked } = await parking.parkedOf(ids.a);
    expect(block).toBeDefined();
    expect(parked.map((p) => [p.position.slice(-3), p.reason, p.attempts])).toEqual([
      ["002", "RetryAttemptsExhausted", 3],
      ["003", "BehindParkedRecord", 0],
      ["004", "BehindParkedRecord", 0],
      ["005", "BehindParkedRecord", 0],
    ]);
    // The full record is kept: its image (with the protobuf payload), the error, the shard.
    const poison = records.find(isPoison);
    expect(parked[0]?.record).toEqual(poison);
    expect(parked[0]).toMatchObject({ shardId, error: "Error: projection bug: cannot rename" });
    expect((await parking.listBlocked()).map((b) => b.aggregateKey)).toEqual([ids.a]);

    const [want, got] = [await dump(undisturbed), await dump(disturbed)];
    const itemRow = (d: Record<string, string[]>, id: string) =>
      (d.items ?? []).filter((row) => row.includes(id));
    expect(itemRow(got, ids.b)).toEqual(itemRow(want, ids.b));
    expect(itemRow(got, ids.c)).toEqual(itemRow(want, ids.c));
    expect(itemRow(got, ids.a)).not.toEqual(itemRow(want, ids.a));
  });

  it("the CLI lists and shows the parked records and refuses an unconfirmed discard", async () => {
    const { lines, deps } = inProcessCli();
    expect(await runParkedRecordsCli(["list"], deps)).toBe(0);
    expect(lines.join("\n")).toContain(`${ids.a}  4 record(s)`);
    lines.length = 0;
    expect(await runParkedRecordsCli(["show", ids.a], deps)).toBe(0);
    expect(lines.join("\n")).toMatch(/ItemRenamed v2[\s\S]*RetryAttemptsExhausted, attempts 3/);
    await expect(runParkedRecordsCli(["discard", ids.a], deps)).rejects.toThrow(UsageError);
    await expect(runParkedRecordsCli(["frobnicate"], deps)).rejects.toThrow(/unknown command/);
    expect((await parking.parkedOf(ids.a)).records).toHaveLength(4);
  });

  it("replay after the fix restores exactly the state of an undisturbed run and unblocks the aggregate", async () => {
    const { lines, deps } = inProcessCli();
    // Still broken: the replay stops at the poison record and keeps everything parked.
    expect(await runParkedRecordsCli(["replay", ids.a], deps)).toBe(1);
    expect((await parking.parkedOf(ids.a)).records).toHaveLength(4);

    bugFixed = true;
    expect(await runParkedRecordsCli(["replay", ids.a], deps)).toBe(0);
    expect(lines.at(-1)).toContain("Replayed 4 record(s)");
    expect(await parking.parkedOf(ids.a)).toEqual({ records: [] });
    expect(await parking.listBlocked()).toEqual([]);
    expect(await dump(disturbed)).toEqual(await dump(undisturbed));

    // Unblocked: the aggregate's next record flows again instead of being parked.
    const next: StreamRecord = {
      ...(poison() as StreamRecord),
      sequenceNumber: "9".repeat(30),
      keys: { aggregateId: { S: ids.a }, sequenceNumber: { N: "6" } },
    };
    await consumer()({ shardId, records: [next] });
    expect(await parking.listBlocked()).toEqual([]);
  });

  it("discard --yes drops an aggregate's parked records and unblocks it", async () => {
    const poisonRecord = poison() as StreamRecord;
    await parking.park({
      aggregateKey: "discard-me",
      position: "1",
      shardId,
      record: poisonRecord,
      reason: "RecordAgeExceeded",
      attempts: 1,
      parkedAt: new Date(),
    });
    const { lines, deps } = inProcessCli();
    expect(await runParkedRecordsCli(["discard", "discard-me", "--yes"], deps)).toBe(0);
    expect(lines).toEqual([expect.stringContaining("Discarded 1 record(s) of discard-me")]);
    expect(await parking.parkedOf("discard-me")).toEqual({ records: [] });
  });

  const poison = () => records.find(isPoison);
});

describe("the parked-records CLI entry point", () => {
  const run = promisify(execFile);
  const cli = (args: string[], env: NodeJS.ProcessEnv) =>
    run(process.execPath, ["--import", "tsx", "services/cli/parked-records/main.ts", ...args], {
      env: { ...process.env, ...env },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it("prints help, and a readable error when misconfigured", async () => {
    const help = await cli(["--help"], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: parked-records <command>");
    const missing = await cli(["list"], { PARKED_TABLE: "" });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("PARKED_TABLE is required");
    const wrong = await cli(["show"], { PARKED_TABLE: "x" });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('"show" needs an aggregate id');
  });

  it("lists what is parked in a real table and exits", async () => {
    const own = await createTestTables([parkedTable]);
    try {
      await new DynamoDbParkingStore(own.client, tableName(own, "parked")).park({
        aggregateKey: "item-cli",
        position: "1",
        shardId: "shard-1",
        record: { sequenceNumber: "1", approximateCreationTime: new Date(), keys: {} },
        reason: "RecordAgeExceeded",
        attempts: 1,
        parkedAt: new Date(),
      });
      const listed = await cli(["list"], {
        PARKED_TABLE: tableName(own, "parked"),
        DYNAMODB_ENDPOINT: inject("dynamodbEndpoint"),
      });
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain("item-cli  1 record(s)");
    } finally {
      await own.drop();
    }
  });

  it("--publisher: lists the publisher's table, refuses replay (exit 2), needs PUBLISHER_PARKED_TABLE", async () => {
    const own = await createTestTables([publisherParkedTable]);
    const table = tableName(own, publisherParkedTable.logicalName);
    try {
      await new DynamoDbParkingStore(own.client, table).park({
        aggregateKey: "item-pub",
        position: "1",
        shardId: "shard-1",
        record: { sequenceNumber: "1", approximateCreationTime: new Date(), keys: {} },
        reason: "RetryAttemptsExhausted",
        attempts: 3,
        parkedAt: new Date(),
      });
      const env = {
        PARKED_TABLE: "",
        PUBLISHER_PARKED_TABLE: table,
        DYNAMODB_ENDPOINT: inject("dynamodbEndpoint"),
      };
      const listed = await cli(["list", "--publisher"], env);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain("item-pub  1 record(s)");
      const replay = await cli(["replay", "item-pub", "--publisher"], env);
      expect(replay.code).toBe(2);
      expect(replay.stderr).toContain(PUBLISHER_REPLAY_REFUSED);
      expect(
        (await new DynamoDbParkingStore(own.client, table).parkedOf("item-pub")).block,
      ).toBeDefined();
      const missing = await cli(["list", "--publisher"], { ...env, PUBLISHER_PARKED_TABLE: "" });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("PUBLISHER_PARKED_TABLE is required");
    } finally {
      await own.drop();
    }
  });
});
