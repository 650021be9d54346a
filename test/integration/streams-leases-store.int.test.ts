import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../services/clock/clock.js";
import { DynamoDbLeaseStore } from "../../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import type { HeldLease } from "../../services/streams/leases/held-lease.js";
import { type Lease, newLease, workerId } from "../../services/streams/leases/lease.js";
import { leasesTable } from "../../services/tables/definitions.js";
import { leaseStoreContract } from "../contracts/lease-store.js";
import { testCoordinator } from "../streams-sim/lease-coordinator.js";
import type { TestTables } from "../support/infra.js";
import { createTestTables, tableName } from "../support/infra.js";

const value = async (p: Promise<import("neverthrow").Result<Lease, unknown>>): Promise<Lease> =>
  (await p)._unsafeUnwrap();

leaseStoreContract("DynamoDB lease store", async () => {
  const tables = await createTestTables([leasesTable]);
  return {
    store: new DynamoDbLeaseStore(tables.client, tableName(tables, "leases")),
    close: () => tables.drop(),
  };
});

// Only the DynamoDB store meets lost answers: the SDK retries a write whose response was lost.
describe("DynamoDB lease store, when an answer is lost", () => {
  let tables: TestTables;
  let store: DynamoDbLeaseStore;
  const w1 = workerId("w1");

  beforeAll(async () => {
    tables = await createTestTables([leasesTable]);
    store = new DynamoDbLeaseStore(tables.client, tableName(tables, "leases"));
  });
  afterAll(() => tables.drop());

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

  it("a checkpoint after a renewal whose response was lost succeeds at the new counter", async () => {
    await store.create(newLease("s-lost-reply", [], "TRIM_HORIZON"));
    const taken: HeldLease[] = [];
    const coordinator = testCoordinator({
      store,
      me: w1,
      clock: systemClock,
      policy: { failoverMs: 60_000, maxLeasesToStealAtOnce: 1, veryOldFactor: 3 },
      renewIntervalMs: 20_000,
      takeIntervalMs: 20_000,
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
