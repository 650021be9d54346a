/**
 * Event store benchmark (not a test): our append and load (cold and snapshot-assisted) vs raw
 * SDK calls vs event-store-adapter-js 2.2.94, on one DynamoDB Local, same event count per
 * aggregate, one run. `npx tsx bench/event-store.bench.ts [--quick] [--no-write]`; writes the
 * figures into docs/benchmarks.md under "## Event store" (not in quick mode).
 */
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandOutput,
} from "@aws-sdk/client-dynamodb";
import { startDynamoDbLocal } from "../dev/dynamodb-local.js";
import { dynamoDbClient } from "../services/config/aws-clients.js";
import type {
  ItemEvent,
  ItemId,
  ItemName,
  Price,
  Quantity,
} from "../services/domain/item/index.js";
import { encodeEvent } from "../services/event-store/codec.js";
import { DynamoDbItemRepository } from "../services/event-store/dynamodb-item-repository.js";
import type { CommandContext } from "../services/event-store/event-store.js";
import { journalPut, stampEvents } from "../services/event-store/journal.js";
import { allTables } from "../services/tables/definitions.js";
import { ensureTables } from "../services/tables/provision.js";
import {
  createJ5EventStore,
  fillJ5,
  J5ItemEvent,
  J5ItemId,
  type J5Store,
  j5Appender,
  j5Load,
} from "./event-store-j5ik2o.js";
import { pct, writeSection } from "./event-store-report.js";
import { benchArgs } from "./support/args.js";
import { emitResult } from "./support/result.js";

const { quick, write } = benchArgs();
const SIZE = quick
  ? { appends: 200, perAggregate: 100, loadEvents: 200, loads: 20, bigStream: 3000 }
  : { appends: 1000, perAggregate: 100, loadEvents: 1000, loads: 50, bigStream: 3000 };
const SNAPSHOT_EVERY = 100;
const completeness: string[] = [];
const TAIL = 5; // events after the last snapshot in the snapshot-assisted load

const ctx = (): CommandContext => ({
  commandId: crypto.randomUUID(),
  correlationId: crypto.randomUUID(),
  now: new Date(),
  actor: { subject: "bench" },
});
const newId = () => crypto.randomUUID() as ItemId;
const registered = (itemId: ItemId): ItemEvent => ({
  type: "ItemRegistered",
  data: { itemId, name: "Benchmark teapot" as ItemName, price: 1999 as Price },
});
const received: ItemEvent = { type: "StockReceived", data: { quantity: 3 as Quantity } };

interface Row {
  readonly scenario: string;
  readonly impl: string;
  readonly samples: number[];
  readonly note?: string;
}
const rows: Row[] = [];

interface Contender {
  readonly impl: string;
  readonly note?: string;
  readonly op: (i: number) => Promise<unknown>;
}

/**
 * Runs the contenders `n` times each, interleaved (the order rotates every round) so that drift
 * in the machine's load hits all of them alike; records each one's samples.
 */
const compare = async (scenario: string, n: number, contenders: readonly Contender[]) => {
  const samples = contenders.map(() => [] as number[]);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < contenders.length; k++) {
      const j = (i + k) % contenders.length;
      const c = contenders[j];
      if (!c) continue;
      const t = performance.now();
      await c.op(i);
      samples[j]?.push(performance.now() - t);
    }
  }
  contenders.forEach((c, j) => {
    record(scenario, c.impl, samples[j] ?? [], c.note);
  });
};
const record = (scenario: string, impl: string, samples: number[], note?: string) => {
  rows.push({ scenario, impl, samples, ...(note ? { note } : {}) });
  console.log(`${scenario} | ${impl}: p50 ${pct(samples, 50).toFixed(2)} ms`);
};

type Tables = { journal: string; snapshots: string; idempotency: string };

/** One new event per call; a fresh aggregate every `perAggregate` events. */
const ourAppender = (repo: DynamoDbItemRepository) => {
  let id = newId();
  let v = 0;
  return async (i: number) => {
    if (i % SIZE.perAggregate === 0) [id, v] = [newId(), 0];
    const event = v === 0 ? registered(id) : received;
    const r = await repo.save(id, { kind: "exact", version: v }, [event], ctx());
    if (r.isErr()) throw new Error(r.error.kind);
    v++;
  };
};

const rawAppender = (client: DynamoDBClient, table: string) => {
  let id = newId();
  let v = 0;
  return async (i: number) => {
    if (i % SIZE.perAggregate === 0) [id, v] = [newId(), 0];
    const event = v === 0 ? registered(id) : received;
    const [stored] = stampEvents(id, v, [event], ctx(), () => crypto.randomUUID());
    if (!stored) throw new Error("no event");
    const put = journalPut(table, stored).Put;
    if (!put) throw new Error("no put");
    await client.send(
      new PutItemCommand({ ...put, ReturnValuesOnConditionCheckFailure: "ALL_OLD" }),
    );
    v++;
  };
};

const appendBench = (
  repo: DynamoDbItemRepository,
  client: DynamoDBClient,
  table: string,
  j5: J5Store,
) =>
  compare("append 1 event", SIZE.appends, [
    {
      impl: "ours (DynamoDbItemRepository.save)",
      note: "one conditional PutItem; every 100 events the snapshot as a second put",
      op: ourAppender(repo),
    },
    { impl: "raw SDK (1 conditional PutItem)", op: rawAppender(client, table) },
    {
      impl: "event-store-adapter-js 2.2.94 (persistEvent)",
      note: "updates its snapshot row on every append",
      op: j5Appender(j5, SIZE.perAggregate),
    },
  ]);

/** Fills one aggregate with `count` events through our repository, 98 per transaction. */
const fillOurs = async (repo: DynamoDbItemRepository, count: number): Promise<ItemId> => {
  const id = newId();
  let v = 0;
  while (v < count) {
    const n = Math.min(98, count - v);
    const events = Array.from({ length: n }, (_, i) => (v + i === 0 ? registered(id) : received));
    const r = await repo.save(id, { kind: "exact", version: v }, events, ctx());
    if (r.isErr()) throw new Error(r.error.kind);
    v += n;
  }
  return id;
};

const rawLoad = async (
  client: DynamoDBClient,
  tables: { journal: string; snapshots: string },
  id: string,
  withSnapshot: boolean,
) => {
  let after = 0;
  if (withSnapshot) {
    const s = await client.send(
      new GetItemCommand({
        TableName: tables.snapshots,
        Key: { aggregateId: { S: id } },
        ConsistentRead: true,
      }),
    );
    after = Number(s.Item?.version?.N ?? "0");
  }
  let start: QueryCommandOutput["LastEvaluatedKey"];
  let items = 0;
  do {
    const page: QueryCommandOutput = await client.send(
      new QueryCommand({
        TableName: tables.journal,
        ConsistentRead: true,
        KeyConditionExpression: "aggregateId = :id AND sequenceNumber > :a",
        ExpressionAttributeValues: { ":id": { S: id }, ":a": { N: String(after) } },
        ExclusiveStartKey: start,
      }),
    );
    items += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
};

const loadBench = async (
  client: DynamoDBClient,
  tables: { journal: string; snapshots: string; idempotency: string },
  j5: J5Store,
) => {
  const noSnapshots = new DynamoDbItemRepository({ client, tableNames: tables, snapshotEvery: 0 });
  const withSnapshots = new DynamoDbItemRepository({
    client,
    tableNames: tables,
    snapshotEvery: SNAPSHOT_EVERY,
  });
  const n = SIZE.loadEvents;
  const coldId = await fillOurs(noSnapshots, n);
  const snapId = await fillOurs(withSnapshots, n + TAIL);
  const j5Cold = await fillJ5(j5, n, Number.MAX_SAFE_INTEGER);
  const j5Snap = await fillJ5(j5, n + TAIL, SNAPSHOT_EVERY);
  await compare(`load ${n} events, no snapshot`, SIZE.loads, [
    {
      impl: "ours (GetItem snapshot + paged consistent Query + decode + fold)",
      op: () => noSnapshots.load(coldId, { fresh: true }),
    },
    {
      impl: "raw SDK (paged consistent Query, no decoding)",
      op: () => rawLoad(client, tables, coldId, false),
    },
    {
      impl: "event-store-adapter-js 2.2.94 (GSI queries + JSON + fold)",
      op: () => j5Load(j5, j5Cold),
    },
  ]);
  await compare(`load ${n + TAIL} events, snapshot at ${n}`, SIZE.loads, [
    { impl: "ours (snapshot + 5 events)", op: () => withSnapshots.load(snapId, { fresh: true }) },
    {
      impl: "raw SDK (GetItem + Query after it, no decoding)",
      op: () => rawLoad(client, tables, snapId, true),
    },
    {
      impl: "event-store-adapter-js 2.2.94 (snapshot GSI + journal GSI)",
      op: () => j5Load(j5, j5Snap),
    },
  ]);
};

/** Not a timing: how many of a > 1 MB stream's events each implementation returns. */
const completenessCheck = async (client: DynamoDBClient, tables: Tables, j5: J5Store) => {
  const n = SIZE.bigStream;
  const repo = new DynamoDbItemRepository({ client, tableNames: tables, snapshotEvery: 0 });
  const ours = await repo.load(await fillOurs(repo, n), { fresh: true });
  const j5Item = await j5Load(j5, await fillJ5(j5, n, Number.MAX_SAFE_INTEGER));
  completeness.push(
    `Stream of ${n} events (> 1 MB in event-store-adapter-js's JSON rows): ours loaded ${ours.version} of ${n} events; event-store-adapter-js loaded ${j5Item.sequenceNumber} of ${n} (one GSI query page, no pagination).`,
  );
};

/** A whole command's I/O (load + save) with and without the state cache. */
const commandBench = async (client: DynamoDBClient, tables: Tables) => {
  const contender = async (cache: boolean): Promise<Contender> => {
    const repo = new DynamoDbItemRepository({
      client,
      tableNames: tables,
      snapshotEvery: SNAPSHOT_EVERY,
      ...(cache ? { cache: { maxItems: 1000 } } : {}),
    });
    const id = await fillOurs(repo, 20);
    return {
      impl: cache ? "ours, cache on (1 round trip)" : "ours, no cache (GetItem + Query + PutItem)",
      op: async () => {
        const loaded = await repo.load(id);
        const r = await repo.save(
          id,
          { kind: "exact", version: loaded.version },
          [received],
          ctx(),
        );
        if (r.isErr()) throw new Error(r.error.kind);
      },
    };
  };
  await compare("command on a warm aggregate (load + save)", SIZE.appends, [
    await contender(false),
    await contender(true),
  ]);
};

const ourPayloadBytes = () => {
  const [stored] = stampEvents(newId(), 1, [received], ctx(), () => crypto.randomUUID());
  return stored ? encodeEvent(stored).length : Number.NaN;
};
const j5PayloadBytes = () => {
  const c = ctx();
  const e = new J5ItemEvent(
    crypto.randomUUID(),
    new J5ItemId(newId()),
    2,
    c.now,
    3,
    c.correlationId,
    c.commandId,
    false,
  );
  return new TextEncoder().encode(JSON.stringify({ type: e.typeName, data: e })).length;
};

const render = (started: Date): string => {
  const fmt = (x: number) => x.toFixed(2);
  const lines = [
    "## Event store",
    "",
    `Command: \`npx tsx bench/event-store.bench.ts${quick ? " --quick" : ""}\` (${started.toISOString()}, ${cpus().length} cores, Node ${process.version}, one DynamoDB Local 1.25.1 in memory started by the script).`,
    `Sequential calls, one at a time, the implementations interleaved (order rotating every round) so machine noise hits all alike; ${SIZE.appends} appends (${SIZE.perAggregate} events per aggregate), ${SIZE.loads} loads each. Milliseconds per call. "raw SDK" is the floor: the same DynamoDB requests with no encoding, decoding or folding.`,
    `Payload per event (StockReceived with metadata): ours protobuf ${ourPayloadBytes()} bytes; event-store-adapter-js JSON ${j5PayloadBytes()} bytes (same fields).`,
    "",
    "| Scenario | Implementation | p50 | p95 | p99 | mean | Note |",
    "|---|---|---:|---:|---:|---:|---|",
    ...rows.map((r) => {
      const mean = r.samples.reduce((a, b) => a + b, 0) / r.samples.length;
      return `| ${r.scenario} | ${r.impl} | ${fmt(pct(r.samples, 50))} | ${fmt(pct(r.samples, 95))} | ${fmt(pct(r.samples, 99))} | ${fmt(mean)} | ${r.note ?? ""} |`;
    }),
    "",
    ...completeness.map((c) => `Completeness: ${c}`),
    "",
  ];
  return lines.join("\n");
};

const main = async () => {
  const started = new Date();
  const local = await startDynamoDbLocal();
  try {
    const client = dynamoDbClient({ endpoint: local.endpoint });
    const names = await ensureTables(client, "bench-", allTables);
    const tables = {
      journal: names.journal ?? "",
      snapshots: names.snapshots ?? "",
      idempotency: names.idempotency ?? "",
    };
    const j5 = await createJ5EventStore(client, "bench-");
    const repo = new DynamoDbItemRepository({
      client,
      tableNames: tables,
      snapshotEvery: SNAPSHOT_EVERY,
      cache: { maxItems: 1000 },
    });
    // Warm-up: JIT, connections, the emulator's own caches.
    await fillOurs(repo, 50);
    await appendBench(repo, client, tables.journal, j5);
    await loadBench(client, tables, j5);
    await commandBench(client, tables);
    await completenessCheck(client, tables, j5);
    const section = render(started);
    console.log(section);
    if (write) {
      writeSection(section);
    }
    emitResult({
      bench: "event-store",
      quick,
      rows: rows.map((r) => ({
        figure: `${r.scenario}: ${r.impl} p50`,
        value: pct(r.samples, 50),
        unit: "ms",
        ...(r.note ? { note: r.note } : {}),
      })),
    });
  } finally {
    await local.stop();
  }
};

await main();
