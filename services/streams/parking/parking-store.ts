import type { ParkReason } from "../processing/retry-policy.js";
import type { StreamRecord } from "../retrieval/stream-client.js";

/** A stream record set aside after failing (or behind one that failed), with why and when. */
export interface ParkedRecord {
  /** The aggregate the record belongs to: its records are parked in order behind the first. */
  readonly aggregateKey: string;
  /** Sorts the aggregate's records in stream order (for the journal: the event's version). */
  readonly position: string;
  readonly shardId: string;
  readonly record: StreamRecord;
  readonly reason: ParkReason;
  /** The last error (absent for records parked behind another). */
  readonly error?: string;
  readonly attempts: number;
  readonly firstFailedAt?: Date;
  readonly parkedAt: Date;
}

/** An aggregate whose processing is blocked until its parked records are replayed or discarded. */
export interface BlockedAggregate {
  readonly aggregateKey: string;
  /** Grows with every record parked; `unblock` only succeeds if it did not change. */
  readonly version: number;
  readonly firstParkedAt: Date;
  readonly lastParkedAt: Date;
}

/**
 * Parked records and blocked aggregates. An aggregate stays blocked (across restarts and for
 * every worker) until `unblock` succeeds, so its later records are parked behind the first and
 * its order is never broken.
 */
export interface ParkingStore {
  /** Which of these aggregates are blocked now (strongly consistent). */
  blockedAmong(aggregateKeys: readonly string[]): Promise<ReadonlySet<string>>;
  /**
   * Durably stores the record and blocks its aggregate. A record parked again (redelivery after
   * a crash) keeps its first copy, with the original error and attempts.
   */
  park(parked: ParkedRecord): Promise<void>;
  listBlocked(): Promise<readonly BlockedAggregate[]>;
  /** The aggregate's block (undefined if not blocked) and its parked records in stream order. */
  parkedOf(
    aggregateKey: string,
  ): Promise<{ readonly block?: BlockedAggregate; readonly records: readonly ParkedRecord[] }>;
  remove(aggregateKey: string, positions: readonly string[]): Promise<void>;
  /** Lifts the block if nothing was parked since `version` was read; false if something was. */
  unblock(aggregateKey: string, version: number): Promise<boolean>;
}
