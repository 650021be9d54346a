import type { Result } from "neverthrow";
import { expect, it } from "vitest";
import { type Lease, newLease, workerId } from "../../services/streams/leases/lease.js";
import type { LeaseStore } from "../../services/streams/leases/lease-store.js";
import { describeContract, type OpenStore } from "./store-contract.js";

const value = async (p: Promise<Result<Lease, unknown>>): Promise<Lease> =>
  (await p)._unsafeUnwrap();

/**
 * What every LeaseStore promises (conditional writes on the observed counter, owner and token),
 * run against the DynamoDB store on DynamoDB Local and against the in-memory one the unit and
 * simulation tests rely on.
 */
export const leaseStoreContract = (name: string, open: OpenStore<LeaseStore>): void =>
  describeContract(`${name} (the LeaseStore contract)`, open, (store) => {
    const w1 = workerId("w1");
    const w2 = workerId("w2");

    it("creates a lease once, with its parents", async () => {
      expect(await store().create(newLease("s-create", ["p1", "p2"], "TRIM_HORIZON"))).toBe(true);
      expect(await store().create(newLease("s-create", [], "TRIM_HORIZON"))).toBe(false);
      expect(await store().get("s-create")).toEqual({
        leaseKey: "s-create",
        leaseCounter: 0,
        checkpoint: "TRIM_HORIZON",
        parentShardIds: ["p1", "p2"],
        childShardIds: [],
        ownerSwitchesSinceCheckpoint: 0,
      });
    });

    it("takes, renews and checkpoints, each adding one to the counter", async () => {
      await store().create(newLease("s-cycle", [], "TRIM_HORIZON"));
      const observed = (await store().get("s-cycle")) as Lease;
      const taken = await value(store().take(observed, w1, "tok-1"));
      expect(taken).toMatchObject({ leaseOwner: "w1", leaseCounter: 1, concurrencyToken: "tok-1" });
      expect(taken.ownerSwitchesSinceCheckpoint).toBe(1);
      const renewed = await value(store().renew(taken));
      expect(renewed.leaseCounter).toBe(2);
      const checkpointed = await value(store().checkpoint(renewed, "000000000000000000100"));
      expect(checkpointed).toMatchObject({
        leaseCounter: 3,
        checkpoint: "000000000000000000100",
        ownerSwitchesSinceCheckpoint: 0,
      });
    });

    it("refuses a take on a stale observation, and a stale holder's renew and checkpoint", async () => {
      await store().create(newLease("s-race", [], "TRIM_HORIZON"));
      const observed = (await store().get("s-race")) as Lease;
      const first = await value(store().take(observed, w1, "tok-a"));
      expect((await store().take(observed, w2, "tok-b"))._unsafeUnwrapErr()).toEqual({
        reason: "LEASE_CONFLICT",
        leaseKey: "s-race",
      });
      // w2 steals it from the lease it observed now: w1 can no longer write.
      const stolen = await value(store().take(first, w2, "tok-c"));
      expect(stolen.ownerSwitchesSinceCheckpoint).toBe(2);
      expect((await store().renew(first)).isErr()).toBe(true);
      expect((await store().checkpoint(first, "000000000000000000001")).isErr()).toBe(true);
      expect((await store().get("s-race"))?.checkpoint).toBe("TRIM_HORIZON");
    });

    it("refuses a checkpoint from an earlier acquisition by the same worker (token)", async () => {
      await store().create(newLease("s-token", [], "TRIM_HORIZON"));
      const first = await value(store().take((await store().get("s-token")) as Lease, w1, "old"));
      const again = await value(store().take(first, w1, "new"));
      const staleView = { ...first, leaseCounter: again.leaseCounter };
      expect((await store().checkpoint(staleView, "000000000000000000005")).isErr()).toBe(true);
      expect((await store().checkpoint(again, "000000000000000000005")).isOk()).toBe(true);
    });

    it("finishes a lease at SHARD_END with its children and frees it; releases clear the owner", async () => {
      await store().create(newLease("s-end", [], "TRIM_HORIZON"));
      const held = await value(store().take((await store().get("s-end")) as Lease, w1, "t"));
      const finished = await value(store().finish(held, ["c1", "c2"]));
      expect(finished).toMatchObject({ checkpoint: "SHARD_END", childShardIds: ["c1", "c2"] });
      expect(finished.leaseOwner).toBeUndefined();
      expect(finished.concurrencyToken).toBeUndefined();

      await store().create(newLease("s-release", [], "TRIM_HORIZON"));
      const h2 = await value(store().take((await store().get("s-release")) as Lease, w1, "t"));
      const released = await value(store().release(h2));
      expect(released.leaseOwner).toBeUndefined();
      expect(released.leaseCounter).toBe(h2.leaseCounter + 1);
    });

    it("still refuses a write when the lease moved by another write, even one count later", async () => {
      await store().create(newLease("s-retry-other", [], "TRIM_HORIZON"));
      const held = await value(
        store().take((await store().get("s-retry-other")) as Lease, w1, "t1"),
      );
      // Our own renew won the race with our checkpoint at the same observed counter.
      await value(store().renew(held));
      expect((await store().checkpoint(held, "000000000000000000009")).isErr()).toBe(true);
      // Another worker took it over one count later: our renew's retry must not count as ours.
      const now = (await store().get("s-retry-other")) as Lease;
      await value(store().take(now, w2, "t2"));
      expect((await store().renew(now)).isErr()).toBe(true);
    });

    it("lists every lease and deletes one, only while it is at SHARD_END", async () => {
      const keys = (await store().list()).map((l) => l.leaseKey);
      expect(keys).toEqual(expect.arrayContaining(["s-create", "s-cycle", "s-end"]));
      expect(await store().delete("s-create")).toBe(false);
      expect(await store().get("s-create")).toBeDefined();
      expect((await store().get("s-end"))?.checkpoint).toBe("SHARD_END");
      expect(await store().delete("s-end")).toBe(true);
      expect(await store().get("s-end")).toBeUndefined();
    });
  });
