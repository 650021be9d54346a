import { afterAll, describe, expect, it } from "vitest";
import {
  StreamWorker,
  type StreamWorkerOptions,
} from "../../services/streams/coordinator/stream-worker.js";
import { DynamoDbLeaseStore } from "../../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import { workerId } from "../../services/streams/leases/lease.js";
import { noMetrics } from "../../services/streams/metrics/consumer-metrics.js";
import type { TrimmedDataPolicy } from "../../services/streams/trimmed/trimmed-data-policy.js";
import { leasesTable } from "../../services/tables/definitions.js";
import { handledLog } from "../streams-sim/harness.js";
import { SimulatedStream } from "../streams-sim/simulated-stream.js";
import { eventually } from "../support/eventually.js";
import type { TestTables } from "../support/infra.js";
import { createTestTables, tableName } from "../support/infra.js";

const config = { failoverMs: 1_500, idlePollMs: 20, backoffMs: 20, takeIntervalMs: 200 };

describe("records trimmed before they were processed", () => {
  const tables: TestTables[] = [];
  afterAll(() => Promise.all(tables.map((t) => t.drop())));

  /** 10 records handled and checkpointed, then 10 more of which the oldest 5 are trimmed. */
  const scenario = async (prefix: string) => {
    const stream = new SimulatedStream(`arn:sim:trim/${prefix}`, 1);
    const shardId = stream.openShardIds()[0] ?? "";
    const t = await createTestTables([leasesTable]);
    tables.push(t);
    const store = new DynamoDbLeaseStore(t.client, tableName(t, "leases"));
    /** Worker `${prefix}-${name}` on this stream and lease table, with the log of what it handled. */
    const worker = (name: string, options: Partial<StreamWorkerOptions> = {}) => {
      const { log, processBatch } = handledLog();
      const w = new StreamWorker({
        workerId: workerId(`${prefix}-${name}`),
        streamArn: stream.streamArn,
        client: stream,
        leases: store,
        processBatch: processBatch(name),
        config,
        ...options,
      });
      return { w, log };
    };
    for (let v = 1; v <= 10; v++) stream.put("item", v);
    const first = worker("a");
    await first.w.start();
    await eventually(async () => (first.log.length === 10 ? true : undefined));
    await first.w.shutdown();
    for (let v = 11; v <= 20; v++) stream.put("item", v);
    stream.trim(shardId, 15);
    return { stream, shardId, store, worker };
  };

  it("without a policy: stops the shard in TRIMMED, alarms, skips nothing and keeps the lease", async () => {
    const s = await scenario("stop");
    const trimmed: string[] = [];
    const errors: string[] = [];
    const { w: b, log } = s.worker("b", {
      metrics: {
        ...noMetrics,
        trimmed: (shard, checkpoint) => trimmed.push(`${shard}@${checkpoint}`),
      },
      onError: (e) => errors.push(String(e)),
    });
    await b.start();
    await eventually(async () =>
      b.status().some((st) => st.state === "TRIMMED") ? true : undefined,
    );
    const checkpoint = (await s.store.get(s.shardId))?.checkpoint;
    expect(trimmed).toEqual([`${s.shardId}@${checkpoint}`]);
    expect(errors.join()).toContain("trimmed from the stream before they were processed");
    expect(log).toEqual([]);
    expect((await s.store.get(s.shardId))?.leaseOwner).toBe("stop-b");
    await b.shutdown();
    expect((await s.store.get(s.shardId))?.checkpoint).toBe(checkpoint);
  });

  it("with a policy: asks it where to resume, and goes on from there", async () => {
    const s = await scenario("heal");
    const calls: string[] = [];
    const policy: TrimmedDataPolicy = {
      onTrimmedDataAccess: async (shardId, checkpoint) => {
        calls.push(`${shardId}@${checkpoint}`);
        return { type: "TRIM_HORIZON" };
      },
      onShardExpired: async () => "STOP",
    };
    const { w: b, log } = s.worker("b", { trimmedPolicy: policy });
    await b.start();
    await eventually(async () => (log.length === 5 ? true : undefined));
    expect(log.map((h) => h.version)).toEqual([16, 17, 18, 19, 20]);
    expect(calls).toHaveLength(1);
    await b.shutdown();
  });
});
