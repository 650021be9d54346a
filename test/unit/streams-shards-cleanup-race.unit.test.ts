import { describe, expect, it } from "vitest";
import { silentLogger } from "../../services/logging/logger.js";
import { newLease } from "../../services/streams/leases/lease.js";
import type { StreamClient } from "../../services/streams/retrieval/stream-client.js";
import { syncShards } from "../../services/streams/shards/shard-syncer.js";
import type { NeedsRebuild } from "../../services/streams/trimmed/needs-rebuild.js";
import { createTrimmedStreamPolicy } from "../../services/streams/trimmed/trimmed-stream-policy.js";
import { handledLog, keyOn, workerOn } from "../streams-sim/harness.js";
import { InMemoryLeaseStore } from "../streams-sim/in-memory-lease-store.js";
import { SimulatedStream } from "../streams-sim/simulated-stream.js";
import { FakeClock } from "../support/fake-clock.js";

// Two workers' shard syncs interleaved by hand: worker B deletes a finished parent's lease
// between worker A's DescribeStream (which still lists the parent) and A's lease scan.
describe("shard sync racing lease clean-up", () => {
  it("does not re-create a cleaned-up parent: its children keep going and no false needs-rebuild is written", async () => {
    const stream = new SimulatedStream("arn:sim:cleanup-race", 1);
    const [parent = ""] = stream.openShardIds();
    stream.put("item-0", 1);
    const [c1 = "", c2 = ""] = stream.split(parent);
    const k1 = keyOn(stream, c1);
    const k2 = keyOn(stream, c2);
    const store = new InMemoryLeaseStore();
    store.leases.set(parent, {
      ...newLease(parent, [], "SHARD_END"),
      childShardIds: [c1, c2],
    });
    // Both children started: each has checkpointed its first record.
    store.leases.set(c1, newLease(c1, [parent], stream.put(k1, 1)));
    store.leases.set(c2, newLease(c2, [parent], stream.put(k2, 1)));

    let raced = false;
    const workerA: StreamClient = {
      listShards: async (arn) => {
        const listing = await stream.listShards(arn);
        if (!raced) {
          raced = true;
          // Retention drops the parent; worker B's sync now deletes its finished lease.
          stream.expire(parent);
          const b = await syncShards(stream, stream.streamArn, store);
          expect(b.deleted).toEqual([parent]);
        }
        return listing;
      },
      getShardIterator: (...args) => stream.getShardIterator(...args),
      getRecords: (...args) => stream.getRecords(...args),
    };
    const a = await syncShards(workerA, stream.streamArn, store);
    // Soft: on failure the rest still shows what the re-created parent does to its children.
    expect.soft(a.created).toEqual([]);
    expect.soft(store.leases.has(parent)).toBe(false);

    // A worker now runs over what the race left behind.
    const marks: NeedsRebuild[] = [];
    const clock = new FakeClock({ start: 1_000_000 });
    const log = handledLog();
    const worker = workerOn(stream, store, {
      processBatch: log.processBatch("me"),
      clock,
      trimmedPolicy: createTrimmedStreamPolicy({
        client: stream,
        streamArn: stream.streamArn,
        needsRebuild: {
          mark: async (m) => void marks.push(m),
          list: async () => marks,
          clear: async () => {},
        },
        logger: silentLogger,
        clock,
      }),
      config: { shutdownGraceMs: 1_000 },
    });
    stream.put(k1, 2);
    stream.put(k2, 2);
    await worker.start();
    for (let i = 0; i < 50; i++) {
      await clock.advance(100);
      for (let j = 0; j < 5; j++) await new Promise((r) => setImmediate(r));
    }
    expect(log.log.map((h) => `${h.key}#${h.version}`).sort()).toEqual(
      [`${k1}#2`, `${k2}#2`].sort(),
    );
    expect(marks).toEqual([]);
    expect(store.leases.has(parent)).toBe(false);
    const done = worker.shutdown();
    await clock.advance(2_000);
    await done;
  });
});
