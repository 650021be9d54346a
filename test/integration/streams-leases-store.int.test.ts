import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../services/clock/clock.js";
import { DynamoDbLeaseStore } from "../../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import type { HeldLease } from "../../services/streams/leases/held-lease.js";
import { type Lease, newLease, workerId } from "../../services/streams/leases/lease.js";
import { LeaseCoordinator } from "../../services/streams/leases/lease-coordinator.js";
import { noMetrics } from "../../services/streams/metrics/consumer-metrics.js";
import { leasesTable } from "../../services/tables/definitions.js";
import { createTestTables, type TestTables, tableName } from "../support/infra.js";

const value = async (p: Promise<import("neverthrow").Result<Lease, unknown>>): Promise<Lease> =>
  (await p)._unsafeUnwrap();

describe("DynamoDB lease store (conditional writes on the observed counter)", () => {
  let tables: TestTables;
  let store: DynamoDbLeaseStore;
  const w1 = workerId("w1");
  const w2 = workerId("w2");

  beforeAll(async () => {
    tables = await createTestTables([leasesTable]);
    store = new DynamoDbLeaseStore(tables.client, tableName(tables, "leases"));
  });
  afterAll(() => tables.drop());

  it("creates a lease once, with its parents", async () => {
    expect(await store.create(newLease("s-create", ["p1", "p2"], "TRIM_HORIZON"))).toBe(true);
    expect(await store.create(newLease("s-create", [], "TRIM_HORIZON"))).toBe(false);
    expect(await store.get("s-create")).toEqual({
      leaseKey: "s-create",
      leaseCounter: 0,
      checkpoint: "TRIM_HORIZON",
      parentShardIds: ["p1", "p2"],
      childShardIds: [],
      ownerSwitchesSinceCheckpoint: 0,
    });
  });

  it("takes, renews and checkpoints, each adding one to the counter", async () => {
    await store.create(newLease("s-cycle", [], "TRIM_HORIZON"));
    const observed = (await store.get("s-cycle")) as Lease;
    const taken = await value(store.take(observed, w1, "tok-1"));
    expect(taken).toMatchObject({ leaseOwner: "w1", leaseCounter: 1, concurrencyToken: "tok-1" });
    expect(taken.ownerSwitchesSinceCheckpoint).toBe(1);
    const renewed = await value(store.renew(taken));
    expect(renewed.leaseCounter).toBe(2);
    const checkpointed = await value(store.checkpoint(renewed, "000000000000000000100"));
    expect(checkpointed).toMatchObject({
      leaseCounter: 3,
      checkpoint: "000000000000000000100",
      ownerSwitchesSinceCheckpoint: 0,
    });
  });

  it("refuses a take on a stale observation, and a stale holder's renew and checkpoint", async () => {
    await store.create(newLease("s-race", [], "TRIM_HORIZON"));
    const observed = (await store.get("s-race")) as Lease;
    const first = await value(store.take(observed, w1, "tok-a"));
    expect((await store.take(observed, w2, "tok-b"))._unsafeUnwrapErr()).toEqual({
      reason: "LEASE_CONFLICT",
      leaseKey: "s-race",
    });
    // w2 steals it from the lease it observed now: w1 can no longer write.
    const stolen = await value(store.take(first, w2, "tok-c"));
    expect(stolen.ownerSwitchesSinceCheckpoint).toBe(2);
    expect((await store.renew(first)).isErr()).toBe(true);
    expect((await store.checkpoint(first, "000000000000000000001")).isErr()).toBe(true);
    expect((await store.get("s-race"))?.checkpoint).toBe("TRIM_HORIZON");
  });

  it("refuses a checkpoint from an earlier acquisition by the same worker (token)", async () => {
    await store.create(newLease("s-token", [], "TRIM_HORIZON"));
    const first = await value(store.take((await store.get("s-token")) as Lease, w1, "old"));
    const again = await value(store.take(first, w1, "new"));
    const staleView = { ...first, leaseCounter: again.leaseCounter };
    expect((await store.checkpoint(staleView, "000000000000000000005")).isErr()).toBe(true);
    expect((await store.checkpoint(again, "000000000000000000005")).isOk()).toBe(true);
  });

  it("finishes a lease at SHARD_END with its children and frees it; releases clear the owner", async () => {
    await store.create(newLease("s-end", [], "TRIM_HORIZON"));
    const held = await value(store.take((await store.get("s-end")) as Lease, w1, "t"));
    const finished = await value(store.finish(held, ["c1", "c2"]));
    expect(finished).toMatchObject({ checkpoint: "SHARD_END", childShardIds: ["c1", "c2"] });
    expect(finished.leaseOwner).toBeUndefined();
    expect(finished.concurrencyToken).toBeUndefined();

    await store.create(newLease("s-release", [], "TRIM_HORIZON"));
    const h2 = await value(store.take((await store.get("s-release")) as Lease, w1, "t"));
    const released = await value(store.release(h2));
    expect(released.leaseOwner).toBeUndefined();
    expect(released.leaseCounter).toBe(h2.leaseCounter + 1);
  });

  it("takes as succeeded a write whose first attempt committed but whose answer was lost", async () => {
    // The SDK retries a write whose response was lost: its retry then fails the counter
    // condition. Pre-applying the same write stands in for the committed first attempt.
    await store.create(newLease("s-retry", [], "TRIM_HORIZON"));
    const observed = (await store.get("s-retry")) as Lease;
    await store.take(observed, w1, "tok-r");
    const taken = await value(store.take(observed, w1, "tok-r"));
    expect(taken).toMatchObject({ leaseOwner: "w1", concurrencyToken: "tok-r", leaseCounter: 1 });

    await store.renew(taken);
    const renewed = await value(store.renew(taken));
    expect(renewed.leaseCounter).toBe(2);

    await store.checkpoint(renewed, "000000000000000000007");
    const checkpointed = await value(store.checkpoint(renewed, "000000000000000000007"));
    expect(checkpointed).toMatchObject({ leaseCounter: 3, checkpoint: "000000000000000000007" });

    await store.release(checkpointed);
    const released = await value(store.release(checkpointed));
    expect(released.leaseOwner).toBeUndefined();
    expect(released.leaseCounter).toBe(4);
  });

  it("still refuses a write when the lease moved by another write, even one count later", async () => {
    await store.create(newLease("s-retry-other", [], "TRIM_HORIZON"));
    const held = await value(store.take((await store.get("s-retry-other")) as Lease, w1, "t1"));
    // Our own renew won the race with our checkpoint at the same observed counter.
    await value(store.renew(held));
    expect((await store.checkpoint(held, "000000000000000000009")).isErr()).toBe(true);
    // Another worker took it over one count later: our renew's retry must not count as ours.
    const now = (await store.get("s-retry-other")) as Lease;
    await value(store.take(now, w2, "t2"));
    expect((await store.renew(now)).isErr()).toBe(true);
  });

  it("lists every lease and deletes one, only while it is at SHARD_END", async () => {
    const keys = (await store.list()).map((l) => l.leaseKey);
    expect(keys).toEqual(expect.arrayContaining(["s-create", "s-cycle", "s-end"]));
    expect(await store.delete("s-create")).toBe(false);
    expect(await store.get("s-create")).toBeDefined();
    expect((await store.get("s-end"))?.checkpoint).toBe("SHARD_END");
    expect(await store.delete("s-end")).toBe(true);
    expect(await store.get("s-end")).toBeUndefined();
  });

  it("a checkpoint after a renewal whose response was lost succeeds at the new counter", async () => {
    await store.create(newLease("s-lost-reply", [], "TRIM_HORIZON"));
    const taken: HeldLease[] = [];
    const coordinator = new LeaseCoordinator({
      store,
      me: w1,
      clock: systemClock,
      policy: { failoverMs: 60_000, maxLeasesToStealAtOnce: 1, veryOldFactor: 3 },
      renewIntervalMs: 20_000,
      takeIntervalMs: 20_000,
      metrics: noMetrics,
      random: () => 0.5,
      newToken: () => "tok-lost",
      onTaken: (h) => taken.push(h),
      onError: () => {},
    });
    await coordinator.takeCycle();
    const held = taken.find((h) => h.leaseKey === "s-lost-reply") as HeldLease;
    // The renewal committed, but the worker never heard back: it still knows the old counter.
    await value(store.renew(held.lease));
    const written = await coordinator.checkpoint(held, "000000000000000000042");
    expect(written.isOk()).toBe(true);
    expect(held.signal.aborted).toBe(false);
    expect(await store.get("s-lost-reply")).toMatchObject({
      checkpoint: "000000000000000000042",
      leaseCounter: 3,
    });
  });
});
