import type { Result } from "neverthrow";
import type { Checkpoint } from "./checkpoint.js";
import type { Lease, WorkerId } from "./lease.js";

/** A conditional write found a counter, owner or token other than the one observed. */
export interface LeaseConflict {
  readonly reason: "LEASE_CONFLICT";
  readonly leaseKey: string;
}

export type LeaseWrite = Promise<Result<Lease, LeaseConflict>>;

/**
 * The lease table (KCL's LeaseRefresher). Every write except `create` is conditional on the
 * lease's observed `leaseCounter` (and, for a holder, its owner and concurrency token) and adds
 * one to the counter; a conflict means someone else changed the lease: for a holder, "you lost
 * it, stop processing the shard". Infrastructure failures throw.
 */
export interface LeaseStore {
  /** Every lease, read consistently. */
  list(): Promise<Lease[]>;
  get(leaseKey: string): Promise<Lease | undefined>;
  /** Creates the lease unless one exists; true when this call created it. */
  create(lease: Lease): Promise<boolean>;
  /** Takes an observed lease (free, expired or stolen) for `owner` under a fresh token. */
  take(observed: Lease, owner: WorkerId, concurrencyToken: string): LeaseWrite;
  /** `signal` abandons the request (a renewal past its deadline); it may still have committed. */
  renew(held: Lease, signal?: AbortSignal): LeaseWrite;
  /** Moves the checkpoint; resets ownerSwitchesSinceCheckpoint. */
  checkpoint(held: Lease, checkpoint: Checkpoint): LeaseWrite;
  /** Checkpoints SHARD_END, records the children and frees the lease, in one write. */
  finish(held: Lease, childShardIds: readonly string[]): LeaseWrite;
  /** Clears the owner so another worker can take the lease at once. */
  release(held: Lease): LeaseWrite;
  /** Removes a lease, only while it is at SHARD_END; false when it was not (or was gone). */
  delete(leaseKey: string): Promise<boolean>;
}
