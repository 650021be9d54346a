import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  appendLives,
  dumpReadModel,
  generateLives,
  type ItemLife,
  journalAppender,
} from "../../bench/projection-workload.js";
import { seededRandom } from "../../bench/support/args.js";
import { type Kinesalite, startKinesalite } from "../../dev/kinesalite.js";
import { kinesisClient } from "../../services/config/aws-clients.js";
import type { StoredEvent } from "../../services/event-store/codec.js";
import { DynamoDbEventStore } from "../../services/event-store/dynamodb-event-store.js";
import { createProjector } from "../../services/read-model/projector.js";
import { liveTables, qualified } from "../../services/read-model/tables.js";
import { KinesisStreamClient } from "../../services/streams/retrieval/kinesis-stream-client.js";
import { parentIdsOf } from "../../services/streams/retrieval/stream-client.js";
import { journalTable, leasesTable } from "../../services/tables/definitions.js";
import { chaosTimings } from "../streams-sim/chaos-timings.js";
import { orderViolations } from "../streams-sim/harness.js";
import type { KinesisWorkerProcessSettings } from "../streams-sim/kinesis-worker-process.js";
import { exited, handledOf, readLog, spawnWorker } from "../streams-sim/worker-processes.js";
import { eventually } from "../support/eventually.js";
import type { TestReadModel, TestTables } from "../support/infra.js";
import {
  awsOptions,
  createTestReadModel,
  createTestTables,
  tableName,
  uniqueSuffix,
} from "../support/infra.js";
import {
  createKinesisStream,
  journalChangeData,
  mergeAdjacent,
  openShards,
  splitShard,
} from "../support/kinesis.js";

// Three worker processes read a 4-shard Kinesis stream (kinesalite) and project into Postgres
// while ≥ 10,000 journal events flow in 20 rounds. After every round a worker is SIGKILLed and
// started again; after rounds 5 and 10 a shard is split, after round 15 two are merged.
// Afterwards the read model equals an in-order projection of the journal, nothing is missing,
// and no item's version was ever handled before the one below it.
const config = { ...chaosTimings, shardSyncIntervalMs: 1_000, batchSize: 250 };
const minEvents = 10_000;
const rounds = 20;
const entry = fileURLToPath(new URL("../streams-sim/kinesis-worker-process.ts", import.meta.url));

describe("chaos on Kinesis: workers killed and restarted while shards split and merge", () => {
  let tables: TestTables;
  let readModel: TestReadModel;
  let kinesalite: Kinesalite;
  let kinesis: KinesisClient;
  const logFile = join(tmpdir(), `chaos-kinesis-${uniqueSuffix()}.log`);
  const slots: Array<Awaited<ReturnType<typeof spawnWorker>>> = [];
  let generation = 0;

  const start = async (slot: number, streamArn: string) => {
    const settings: KinesisWorkerProcessSettings = {
      name: `w${slot}-${++generation}`,
      dynamodbEndpoint: awsOptions().endpoint,
      kinesisEndpoint: kinesalite.endpoint,
      leasesTable: tableName(tables, "leases"),
      journalTable: tableName(tables, "journal"),
      streamArn,
      databaseUrl: inject("databaseUrl"),
      schema: readModel.schema,
      logFile,
      config,
    };
    slots[slot] = await spawnWorker(settings, entry);
  };

  beforeAll(async () => {
    tables = await createTestTables([journalTable, leasesTable]);
    readModel = await createTestReadModel();
    kinesalite = await startKinesalite();
    kinesis = kinesisClient({ endpoint: kinesalite.endpoint });
  });
  afterAll(async () => {
    for (const c of slots) c.kill("SIGKILL");
    await Promise.all(slots.map(exited));
    await kinesalite?.stop();
    await readModel?.drop();
    await tables?.drop();
    rmSync(logFile, { force: true });
  });

  it("projects every event exactly once, in order per item, through kills, two splits and a merge", {
    timeout: 480_000,
  }, async () => {
    const journal = tableName(tables, "journal");
    const random = seededRandom(2026);
    const lives: ItemLife[] = [];
    for (let total = 0; total < minEvents; ) {
      const life = generateLives(random, 1, 40)[0] as ItemLife;
      lives.push(life);
      total += life.events.length;
    }
    const events = await appendLives(journalAppender(tables.client, journal), lives, {
      concurrency: 8,
      eventsPerAppend: 25,
    });
    expect(events.length).toBeGreaterThanOrEqual(minEvents);
    const byItem = new Map<string, StoredEvent[]>();
    for (const e of events)
      byItem.set(e.metadata.aggregateId, [...(byItem.get(e.metadata.aggregateId) ?? []), e]);
    for (const list of byItem.values())
      list.sort((a, b) => a.metadata.sequenceNumber - b.metadata.sequenceNumber);
    const longest = Math.max(...[...byItem.values()].map((l) => l.length));
    const perRound = Math.ceil(longest / rounds);

    const name = `chaos-${uniqueSuffix()}`;
    const arn = await createKinesisStream(kinesis, name, 4);
    for (let slot = 0; slot < 3; slot++) await start(slot, arn);
    await eventually(
      async () => (readLog(logFile).filter((l) => l.kind === "R").length >= 3 ? true : undefined),
      { timeoutMs: 60_000, what: "three workers to start" },
    );

    let kills = 0;
    for (let round = 0; round < rounds; round++) {
      // This round's versions of every item, each item in order, partitioned by item as AWS does.
      const batch = [...byItem.values()].flatMap((l) =>
        l.slice(round * perRound, (round + 1) * perRound),
      );
      for (let i = 0; i < batch.length; i += 500)
        await kinesis.send(
          new PutRecordsCommand({
            StreamName: name,
            Records: batch.slice(i, i + 500).map((e) => ({
              PartitionKey: e.metadata.aggregateId,
              Data: journalChangeData(journal, e),
            })),
          }),
        );
      if (round === 4 || round === 9) {
        const open = await openShards(kinesis, name);
        await splitShard(kinesis, name, open[round === 4 ? 0 : open.length - 1]?.shardId ?? "");
      }
      if (round === 14) await mergeAdjacent(kinesis, name, 1);
      const slot = Math.floor(random() * 3);
      const victim = slots[slot];
      if (victim) {
        victim.kill("SIGKILL");
        await exited(victim);
        kills++;
        await start(slot, arn);
      }
      await new Promise((r) => setTimeout(r, 400));
    }

    const history = qualified(liveTables(readModel.schema), "history");
    await eventually(
      async () => {
        const [{ n }] = (await readModel.db.query(`SELECT count(*)::int AS n FROM ${history}`)) as [
          { n: number },
        ];
        return n === events.length ? true : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 500, what: "every event projected" },
    );

    // The lineage the emulator reports: two splits (two children each) and one merge.
    const shards = await new KinesisStreamClient(kinesis).listShards(arn);
    expect(shards.filter((s) => parentIdsOf(s).length === 1)).toHaveLength(4);
    expect(shards.filter((s) => parentIdsOf(s).length === 2)).toHaveLength(1);
    expect(kills).toBe(rounds);

    const handled = handledOf(readLog(logFile));
    const expected = events.map((e) => `${e.metadata.aggregateId}#${e.metadata.sequenceNumber}`);
    const seen = new Set(handled.map((h) => `${h.key}#${h.version}`));
    expect(expected.filter((k) => !seen.has(k))).toEqual([]);
    expect(orderViolations(handled)).toEqual([]);

    const clean = await createTestReadModel();
    try {
      const project = createProjector({
        db: clean.db,
        journal: new DynamoDbEventStore({ client: tables.client, journalTableName: journal }),
        tables: liveTables(clean.schema),
      });
      const ordered = [...byItem.values()].flat();
      for (let i = 0; i < ordered.length; i += 1000) await project(ordered.slice(i, i + 1000));
      expect(await dumpReadModel(readModel.db, readModel.schema)).toEqual(
        await dumpReadModel(clean.db, clean.schema),
      );
    } finally {
      await clean.drop();
    }
    console.log(
      `chaos on Kinesis: ${events.length} events, ${kills} kills, ${handled.length} handled (${handled.length - events.length} redelivered), ${shards.length} shards`,
    );
  });
});
