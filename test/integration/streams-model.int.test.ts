import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../services/clock/clock.js";
import { StreamWorker } from "../../services/streams/coordinator/stream-worker.js";
import { DynamoDbLeaseStore } from "../../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import { isFinished, parentsFinished, workerId } from "../../services/streams/leases/lease.js";
import type { ProcessBatch } from "../../services/streams/processing/process-batch.js";
import type { StreamClient } from "../../services/streams/retrieval/stream-client.js";
import { leasesTable } from "../../services/tables/definitions.js";
import { freezable, handledLog, missing, orderViolations } from "../streams-sim/harness.js";
import { SimulatedStream } from "../streams-sim/simulated-stream.js";
import { eventually } from "../support/eventually.js";
import type { TestTables } from "../support/infra.js";
import { createTestTables, tableName } from "../support/infra.js";

// Model-based: a deterministic simulated stream (64 shards, splits, parents listed open while
// their children exist, throttling, iterator expiry) read by 5 workers that join and leave,
// with the lease table on DynamoDB Local.
const config = {
  failoverMs: 1_500,
  renewIntervalMs: 500,
  takeIntervalMs: 300,
  shardSyncIntervalMs: 400,
  idlePollMs: 40,
  backoffMs: 50,
  // Read errors back off from backoffMs, doubling up to this cap (default 5 s).
  maxBackoffMs: 1_000,
  parentPollMs: 100,
  shutdownGraceMs: 5_000,
  // Small batches keep parents busy while their children already hold records.
  batchSize: 10,
};
const keys = Array.from({ length: 300 }, (_, i) => `item-${i}`);
const rounds = 15;

describe("stream workers on a simulated stream with splits, joins and departures", () => {
  let tables: TestTables;
  let store: DynamoDbLeaseStore;
  const stream = new SimulatedStream("arn:sim:stream/model", 64, {
    throttleEvery: 97,
    expireEvery: 61,
    parentShownOpenListings: 3,
    parentUnsealedReads: 2,
    clock: systemClock,
  });
  const { log, processBatch } = handledLog();
  const workers = new Map<string, StreamWorker>();
  const errors: string[] = [];
  /** Workers stopped dead: their hung calls (renewals past the deadline) are no finding. */
  const dead = new Set<string>();
  let failEvery = 0;

  const startWorker = async (
    name: string,
    wrap: { client: StreamClient; store: DynamoDbLeaseStore; pb: ProcessBatch } = {
      client: stream,
      store,
      pb: processBatch(name),
    },
  ) => {
    let batches = 0;
    const w = new StreamWorker({
      workerId: workerId(name),
      streamArn: stream.streamArn,
      client: wrap.client,
      leases: wrap.store,
      // Every 40th batch fails once: retried from the checkpoint.
      processBatch: async (input) => {
        if (++batches % 40 === 0) {
          failEvery++;
          throw new Error("handler failure");
        }
        return wrap.pb(input);
      },
      config,
      onError: (e, during) => {
        // A renewal past its deadline (DynamoDB Local on a loaded machine) is retried at the
        // next tick; what it risks (lost leases, duplicates, order) is asserted below.
        const expected = ["handler failure", "renewal took over"].some((m) =>
          String(e).includes(m),
        );
        if (!expected && !dead.has(name)) errors.push(`${name} ${during}: ${String(e)}`);
      },
    });
    await w.start();
    workers.set(name, w);
    return w;
  };

  const writeRounds = async (from: number, to: number) => {
    for (let v = from; v <= to; v++) {
      for (const k of keys) stream.put(k, v);
      await new Promise((r) => setTimeout(r, 30));
    }
  };

  const handledAtLeast = (n: number) =>
    eventually(
      async () => (new Set(log.map((h) => `${h.key}#${h.version}`)).size >= n ? true : undefined),
      {
        timeoutMs: 30_000,
        what: `${n} records handled`,
      },
    );

  beforeAll(async () => {
    tables = await createTestTables([leasesTable]);
    store = new DynamoDbLeaseStore(tables.client, tableName(tables, "leases"));
  });
  afterAll(async () => {
    await Promise.all([...workers.values()].map((w) => w.shutdown()));
    await tables.drop();
  });

  it("handles every record once at least, in per-key order, and balances leases within ±1", async () => {
    // A backlog on both sides of a split before anyone reads: children must wait.
    await writeRounds(1, 4);
    for (const s of stream.openShardIds().slice(0, 8)) stream.split(s);
    await writeRounds(5, 6);
    await startWorker("w1");
    await startWorker("w2");
    await startWorker("w3");
    await writeRounds(7, 8);
    await handledAtLeast(keys.length * 4);

    const crashing = freezable(store);
    const crashingClient = freezable<StreamClient>(stream);
    await startWorker("w4", {
      client: crashingClient.value,
      store: crashing.value,
      pb: processBatch("w4"),
    });
    await startWorker("w5");
    await eventually(
      async () => ((workers.get("w4")?.heldLeaseKeys().length ?? 0) > 0 ? true : undefined),
      {
        what: "w4 to hold leases before it dies",
      },
    );
    // Split some children too: a lineage three generations deep.
    for (const s of stream.openShardIds().slice(-6)) stream.split(s);
    await writeRounds(9, 12);
    await handledAtLeast(keys.length * 8);

    // w2 leaves gracefully; w4 stops dead without releasing anything.
    await workers.get("w2")?.shutdown();
    workers.delete("w2");
    dead.add("w4");
    crashing.freeze();
    crashingClient.freeze();
    workers.delete("w4");
    await writeRounds(13, rounds);

    await eventually(async () => (missing(log, keys, rounds).length === 0 ? true : undefined), {
      timeoutMs: 45_000,
      what: "every record to be handled",
    });
    expect(missing(log, keys, rounds)).toEqual([]);
    expect(orderViolations(log)).toEqual([]);

    // The remaining three workers share the workable leases within ±1.
    const balance = await eventually(
      async () => {
        const leases = await store.list();
        const byKey = new Map(leases.map((l) => [l.leaseKey, l]));
        const workable = leases.filter(
          (l) => !isFinished(l) && parentsFinished(l, (k) => byKey.get(k)),
        );
        const counts = ["w1", "w3", "w5"].map(
          (w) => workable.filter((l) => l.leaseOwner === w).length,
        );
        const sum = counts.reduce((a, b) => a + b, 0);
        return sum === workable.length && Math.max(...counts) - Math.min(...counts) <= 1
          ? { counts, workable: workable.length }
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: "leases to balance within ±1" },
    );
    expect(balance.workable).toBe(stream.openShardIds().length);

    // Every split parent ended at SHARD_END and named its children.
    const leases = await store.list();
    const finished = leases.filter(isFinished);
    expect(finished).toHaveLength(14);
    for (const p of finished) expect(p.childShardIds).toHaveLength(2);
    expect(stream.stats.throttled).toBeGreaterThan(0);
    expect(stream.stats.expired).toBeGreaterThan(0);
    expect(failEvery).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });
});
