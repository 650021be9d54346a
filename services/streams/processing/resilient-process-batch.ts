import { backoffDelay } from "../../backoff/backoff.js";
import { type Clock, systemClock } from "../../clock/clock.js";
import type { Logger } from "../../logging/logger.js";
import { type ConsumerMetrics, noMetrics } from "../metrics/consumer-metrics.js";
import type { ParkingStore } from "../parking/parking-store.js";
import type { StreamRecord } from "../retrieval/stream-client.js";
import type { ProcessBatch, ProcessBatchInput, RecordHandler } from "./process-batch.js";
import {
  type BatchRetryPolicy,
  defaultBatchRetryPolicy,
  failureVerdict,
  type ParkReason,
} from "./retry-policy.js";
import { isInfrastructureError } from "./transient-errors.js";

export interface ResilientProcessBatchOptions {
  readonly handler: RecordHandler;
  readonly parking: ParkingStore;
  /** The aggregate a record belongs to (journal: `keys.aggregateId.S`); order is kept per key. */
  readonly keyOf: (record: StreamRecord) => string;
  /** Sortable position within the aggregate; default: the stream sequence number, zero-padded. */
  readonly positionOf?: (record: StreamRecord) => string;
  readonly policy?: Partial<BatchRetryPolicy>;
  /**
   * Errors that say "the infrastructure is down", not "this record is bad": retried with backoff
   * without bisecting or counting towards maxRetries, so an outage never parks healthy records.
   * Default: isInfrastructureError (network faults, Postgres availability, throttling).
   */
  readonly isTransient?: (error: unknown) => boolean;
  /** Time of failures and parking, and the waits between retries. */
  readonly clock?: Clock;
  /** Jitter of the retry backoff: a uniform number in [0, 1). */
  readonly random?: () => number;
  readonly metrics?: ConsumerMetrics;
  /** Retries (warn) and parked records (error). */
  readonly logger: Logger;
  /** Called before every handler attempt: long retry sequences still count as progress (/healthz). */
  readonly onAttempt?: (shardId: string) => void;
}

/** Default position: stream sequence numbers are decimal strings of up to 40 digits. */
const paddedSequenceNumber = (record: StreamRecord): string =>
  record.sequenceNumber.padStart(40, "0");

/** Batch positions tried together. */
interface Segment {
  readonly indices: readonly number[];
  readonly attempts: number;
  /** The record whose failures `attempts` counts (a different head starts again at 0). */
  readonly failingHead?: number;
  readonly transientFailures: number;
}

type Attempt =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly failedAt: number;
      readonly partial: boolean;
      readonly error: string;
      /** What the handler threw (for `isTransient`). */
      readonly cause?: unknown;
    };

const describe = (e: unknown): string =>
  e instanceof Error ? `${e.name}: ${e.message}` : String(e);

/** One handler call; a throw or a reported record becomes a value. */
const callHandler = async (
  handler: RecordHandler,
  shardId: string,
  batch: readonly StreamRecord[],
): Promise<Attempt> => {
  try {
    const result = await handler({ shardId, records: batch });
    if (!result?.failedSequenceNumber) return { ok: true };
    const failedAt = batch.findIndex((r) => r.sequenceNumber === result.failedSequenceNumber);
    if (failedAt >= 0)
      return { ok: false, failedAt, partial: true, error: "handler reported a failed record" };
    const error = `handler reported unknown failedSequenceNumber ${result.failedSequenceNumber}`;
    return { ok: false, failedAt: 0, partial: false, error };
  } catch (e) {
    return { ok: false, failedAt: 0, partial: false, error: describe(e), cause: e };
  }
};

type Settings = Required<Omit<ResilientProcessBatchOptions, "policy" | "onAttempt">> & {
  readonly policy: BatchRetryPolicy;
  readonly onAttempt?: (shardId: string) => void;
};

/** The state of one batch: which records are settled (committed or parked), which keys blocked. */
class BatchRun {
  private readonly keys: readonly string[];
  private readonly settled: boolean[];
  private readonly firstFailedAt = new Map<number, Date>();
  private blocked: Set<string> = new Set();

  constructor(
    private readonly settings: Settings,
    private readonly shardId: string,
    private readonly records: readonly StreamRecord[],
  ) {
    this.keys = records.map(settings.keyOf);
    this.settled = records.map(() => false);
  }

  async run(signal: AbortSignal | undefined): Promise<{ readonly checkpointUpTo?: string }> {
    this.blocked = new Set(await this.settings.parking.blockedAmong(this.keys));
    // Segments run left to right (a stack, left half on top), so records are tried in order.
    const stack: Segment[] = [
      { indices: this.records.map((_, i) => i), attempts: 0, transientFailures: 0 },
    ];
    while (stack.length > 0 && !signal?.aborted) {
      const next = await this.step(stack.pop() as Segment, signal);
      stack.push(...next.reverse());
    }
    const prefix = this.settled.indexOf(false);
    const last = this.records[prefix === -1 ? this.records.length - 1 : prefix - 1];
    return last ? { checkpointUpTo: last.sequenceNumber } : {};
  }

  /** Tries a segment once; returns the segments still to do, in order. */
  private async step(segment: Segment, signal: AbortSignal | undefined): Promise<Segment[]> {
    const runnable: number[] = [];
    for (const i of segment.indices) {
      if (this.settled[i]) continue;
      if (this.blocked.has(this.keys[i] as string)) await this.park(i, "BehindParkedRecord", 0);
      else runnable.push(i);
    }
    if (runnable.length === 0) return [];

    this.settings.onAttempt?.(this.shardId);
    const batch = runnable.map((i) => this.records[i] as StreamRecord);
    const outcome = await callHandler(this.settings.handler, this.shardId, batch);
    if (outcome.ok) {
      for (const i of runnable) this.settled[i] = true;
      return [];
    }
    for (const i of runnable.slice(0, outcome.failedAt)) this.settled[i] = true;
    const rest = runnable.slice(outcome.failedAt);
    const head = rest[0] as number;
    const now = new Date(this.settings.clock.now());
    for (const i of outcome.partial ? [head] : rest)
      if (!this.firstFailedAt.has(i)) this.firstFailedAt.set(i, now);

    if (!outcome.partial && this.settings.isTransient(outcome.cause)) {
      const transientFailures = segment.transientFailures + 1;
      this.settings.logger.warn(
        { shardId: this.shardId, error: outcome.error },
        "transient failure, retrying",
      );
      this.settings.metrics.retry(this.shardId);
      const delayMs = backoffDelay(
        this.settings.policy.backoff,
        transientFailures,
        this.settings.random(),
      );
      await this.waitBeforeRetry(delayMs, signal);
      return [{ ...segment, indices: rest, transientFailures }];
    }
    if (!outcome.partial && this.settings.policy.bisectOnError && rest.length > 1) {
      const mid = Math.ceil(rest.length / 2);
      return [
        { indices: rest.slice(0, mid), attempts: 0, transientFailures: 0 },
        { indices: rest.slice(mid), attempts: 0, transientFailures: 0 },
      ];
    }
    // The failing unit: the reported record, a single record, or (no bisection) the whole rest.
    const failing = outcome.partial ? [head] : rest;
    const attempts = (segment.failingHead === head ? segment.attempts : 0) + 1;
    const oldest = Math.min(...failing.map((i) => this.createdAt(i)));
    const verdict = failureVerdict(
      this.settings.policy,
      attempts,
      new Date(oldest),
      now,
      this.settings.random(),
    );
    if (verdict.action === "retry") {
      this.settings.metrics.retry(this.shardId);
      this.settings.logger.warn(
        {
          shardId: this.shardId,
          sequenceNumber: (this.records[head] as StreamRecord).sequenceNumber,
          attempts,
          delayMs: verdict.delayMs,
          error: outcome.error,
        },
        "stream batch failed, retrying",
      );
      await this.waitBeforeRetry(verdict.delayMs, signal);
      return [{ indices: rest, attempts, failingHead: head, transientFailures: 0 }];
    }
    for (const i of failing) await this.park(i, verdict.reason, attempts, outcome.error);
    const after = rest.filter((i) => !this.settled[i]);
    return after.length > 0 ? [{ indices: after, attempts: 0, transientFailures: 0 }] : [];
  }

  /**
   * Sleeps before a retry, then reads the blocks again: an operator may have replayed a blocked
   * aggregate meanwhile, and a stale block would park its next record and block it again.
   */
  private async waitBeforeRetry(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
    await this.settings.clock.sleep(delayMs, signal);
    const open = this.keys.filter((_, i) => !this.settled[i]);
    this.blocked = new Set(await this.settings.parking.blockedAmong(open));
  }

  private createdAt(i: number): number {
    return (this.records[i] as StreamRecord).approximateCreationTime.getTime();
  }

  private async park(i: number, reason: ParkReason, attempts: number, error?: string) {
    const record = this.records[i] as StreamRecord;
    const aggregateKey = this.keys[i] as string;
    const failedAt = this.firstFailedAt.get(i);
    await this.settings.parking.park({
      aggregateKey,
      position: this.settings.positionOf(record),
      shardId: this.shardId,
      record,
      reason,
      attempts,
      parkedAt: new Date(this.settings.clock.now()),
      ...(error !== undefined ? { error } : {}),
      ...(failedAt ? { firstFailedAt: failedAt } : {}),
    });
    this.blocked.add(aggregateKey);
    this.settled[i] = true;
    this.settings.metrics.parked(aggregateKey, 1);
    this.settings.logger.error(
      {
        reason,
        shardId: this.shardId,
        sequenceNumber: record.sequenceNumber,
        aggregateKey,
        attempts,
        ...(error !== undefined ? { error } : {}),
      },
      "stream record parked",
    );
  }
}

/**
 * Lambda-grade failure handling around a handler: partial batch failure, retries with backoff,
 * maximum retries and record age, bisection, and per-aggregate parking. Every record of the
 * batch ends committed or parked (unless the signal aborts), so the returned checkpoint is the
 * end of the longest settled prefix: never past a record that was neither committed nor parked.
 * Reports `retry` and `parked` metrics (the shard reader reports records and batches).
 * A parking failure (the store is down) rejects: nothing past it is checkpointed.
 */
export const createResilientProcessBatch = (
  options: ResilientProcessBatchOptions,
): ProcessBatch => {
  const settings: Settings = {
    handler: options.handler,
    parking: options.parking,
    keyOf: options.keyOf,
    policy: { ...defaultBatchRetryPolicy, ...options.policy },
    positionOf: options.positionOf ?? paddedSequenceNumber,
    isTransient: options.isTransient ?? isInfrastructureError,
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    metrics: options.metrics ?? noMetrics,
    logger: options.logger,
    ...(options.onAttempt ? { onAttempt: options.onAttempt } : {}),
  };
  return async (input: ProcessBatchInput) =>
    input.records.length === 0
      ? {}
      : new BatchRun(settings, input.shardId, input.records).run(input.signal);
};
