import type { Brand } from "../../domain/shared/brand.js";
import { type Checkpoint, SHARD_END } from "./checkpoint.js";

/** Identifies one worker process for one run (a restarted process is a new worker). */
export type WorkerId = Brand<string, "WorkerId">;
export const workerId = (raw: string): WorkerId => raw as WorkerId;

/**
 * One shard's lease, as stored in the lease table (modelled on KCL's lease item). `leaseCounter`
 * is the fencing token: every take, renew, checkpoint and release adds one, and each of them is
 * conditional on the value the writer last observed.
 */
export interface Lease {
  /** The shard id. */
  readonly leaseKey: string;
  /** Absent while the lease is free. */
  readonly leaseOwner?: WorkerId;
  readonly leaseCounter: number;
  readonly checkpoint: Checkpoint;
  readonly parentShardIds: readonly string[];
  readonly childShardIds: readonly string[];
  readonly ownerSwitchesSinceCheckpoint: number;
  /** Set at each acquisition: a processor of an earlier acquisition can no longer checkpoint. */
  readonly concurrencyToken?: string;
}

export const isFinished = (lease: Lease): boolean => lease.checkpoint === SHARD_END;

/** A lease as first created for a newly discovered shard. */
export const newLease = (
  leaseKey: string,
  parentShardIds: readonly string[],
  checkpoint: Checkpoint,
): Lease => ({
  leaseKey,
  leaseCounter: 0,
  checkpoint,
  parentShardIds,
  childShardIds: [],
  ownerSwitchesSinceCheckpoint: 0,
});

/**
 * A child may be processed only once every parent is finished; a parent whose lease is gone
 * counts as finished (its shard was trimmed from the stream after it ended).
 */
export const parentsFinished = (
  lease: Lease,
  leaseOf: (key: string) => Lease | undefined,
): boolean =>
  lease.parentShardIds.every((p) => {
    const parent = leaseOf(p);
    return parent === undefined || isFinished(parent);
  });
