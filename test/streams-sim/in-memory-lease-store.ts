import { err, ok } from "neverthrow";
import { type Checkpoint, SHARD_END } from "../../services/streams/leases/checkpoint.js";
import type { Lease, WorkerId } from "../../services/streams/leases/lease.js";
import type { LeaseStore, LeaseWrite } from "../../services/streams/leases/lease-store.js";

/**
 * The lease table's conditional semantics in memory, for unit tests of the coordinator (the
 * DynamoDB implementation runs the same contract suite, test/contracts/lease-store.ts).
 */
export class InMemoryLeaseStore implements LeaseStore {
  readonly leases = new Map<string, Lease>();
  writes = 0;

  async list(): Promise<Lease[]> {
    return [...this.leases.values()];
  }
  async get(leaseKey: string): Promise<Lease | undefined> {
    return this.leases.get(leaseKey);
  }
  async create(lease: Lease): Promise<boolean> {
    if (this.leases.has(lease.leaseKey)) return false;
    this.leases.set(lease.leaseKey, lease);
    return true;
  }
  take(observed: Lease, owner: WorkerId, concurrencyToken: string): LeaseWrite {
    return this.update(observed, false, (l) => ({
      ...l,
      leaseOwner: owner,
      concurrencyToken,
      ownerSwitchesSinceCheckpoint:
        l.ownerSwitchesSinceCheckpoint + (l.leaseOwner === owner ? 0 : 1),
    }));
  }
  renew(held: Lease, _signal?: AbortSignal): LeaseWrite {
    return this.update(held, true, (l) => l);
  }
  checkpoint(held: Lease, checkpoint: Checkpoint): LeaseWrite {
    return this.update(held, true, (l) => ({ ...l, checkpoint, ownerSwitchesSinceCheckpoint: 0 }));
  }
  finish(held: Lease, childShardIds: readonly string[]): LeaseWrite {
    return this.update(held, true, ({ leaseOwner: _o, concurrencyToken: _t, ...l }) => ({
      ...l,
      checkpoint: SHARD_END,
      childShardIds,
      ownerSwitchesSinceCheckpoint: 0,
    }));
  }
  release(held: Lease): LeaseWrite {
    return this.update(held, true, ({ leaseOwner: _o, concurrencyToken: _t, ...l }) => l);
  }
  async delete(leaseKey: string): Promise<boolean> {
    if (this.leases.get(leaseKey)?.checkpoint !== SHARD_END) return false;
    return this.leases.delete(leaseKey);
  }

  private async update(observed: Lease, asHolder: boolean, change: (l: Lease) => Lease) {
    const current = this.leases.get(observed.leaseKey);
    const conflict =
      !current ||
      current.leaseCounter !== observed.leaseCounter ||
      (asHolder &&
        (current.leaseOwner !== observed.leaseOwner ||
          current.concurrencyToken !== observed.concurrencyToken));
    if (conflict) return err({ reason: "LEASE_CONFLICT" as const, leaseKey: observed.leaseKey });
    this.writes++;
    const next = { ...change(current), leaseCounter: current.leaseCounter + 1 };
    this.leases.set(next.leaseKey, next);
    return ok(next);
  }
}
