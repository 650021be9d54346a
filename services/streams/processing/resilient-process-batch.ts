import { type ConsumerMetrics, noMetrics } from "../metrics/consumer-metrics.js";
import type { ParkingStore } from "../parking/parking-store.js";
import type { StreamRecord } from "../retrieval/stream-client.js";
import type { ProcessBatch, ProcessBatchInput, RecordHandler } from "./contract.js";
import {
  backoffDelay,
  defaultRetryPolicy,
  failureVerdict,
  type ParkReason,
  type RetryPolicy,
} from "./retry-policy.js";

export interface ProcessingLogEntry {
  readonly level: "warn" | "error";
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface ResilientProcessBatchOptions {
  readonly handler: RecordHandler;
  readonly parking: ParkingStore;
  /** The aggregate a record belongs to (journal: `keys.aggregateId.S`); order is kept per key. */
  readonly keyOf: (record: StreamRecord) => string;
  /** Sortable position within the aggregate; default: the stream sequence number, zero-padded. */
  readonly positionOf?: (record: StreamRecord) => string;
  readonly policy?: Partial<RetryPolicy>;
  /**
   * Errors that say "the infrastructure is down", not "this record is bad": retried with backoff
   * without bisecting or counting towards maxRetries, so an outage never parks healthy records.
   */
  readonly isTransient?: (error: unknown) => boolean;
  readonly clock?: () => Date;
  /** Resolves after `ms`, or early when `signal` aborts. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly metrics?: ConsumerMetrics;
  readonly log?: (entry: ProcessingLogEntry) => void;
}

/** Default position: stream sequence numbers are decimal strings of up to 40 digits. */
export const paddedSequenceNumber = (record: StreamRecord): string =>
  record.sequenceNumber.padStart(40, "0");

export const abortableSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });

const jsonLog = (entry: ProcessingLogEntry) => console.error(JSON.stringify(entry));

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
    };

const describe = (e: unknown): string =>
  e instanceof Error ? `${e.name}: ${e.message}` : String(e);

/**
 * Lambda-grade failure handling around a handler: partial batch failure, retries with backoff,
 * maximum retries and record age, bisection, and per-aggregate parking. Every record of the
 * batch ends handled or parked (unless the signal aborts), so the returned checkpoint is the end
 * of the longest settled prefix: never past a record that was neither committed nor parked.
 * A parking failure (the store is down) throws: nothing past it is checkpointed.
 */
export const createResilientProcessBatch = (
  options: ResilientProcessBatchOptions,
): ProcessBatch => {
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.policy };
  const clock = options.clock ?? (() => new Date());
  const sleep = options.sleep ?? abortableSleep;
  const metrics = options.metrics ?? noMetrics;
  const log = options.log ?? jsonLog;
  const positionOf = options.positionOf ?? paddedSequenceNumber;
  const isTransient = options.isTransient ?? (() => false);

  return async (input: ProcessBatchInput) => {
    const { shardId, records, signal } = input;
    if (records.length === 0) return {};
    const keys = records.map(options.keyOf);
    const blocked = new Set(await options.parking.blockedAmong([...new Set(keys)]));
    const settled = records.map(() => false);
    const firstFailedAt = new Map<number, Date>();

    const attempt = async (indices: readonly number[]): Promise<Attempt> => {
      const batch = indices.map((i) => records[i] as StreamRecord);
      try {
        const result = await options.handler({ shardId, records: batch });
        if (!result?.failedSequenceNumber) return { ok: true };
        const failedAt = batch.findIndex((r) => r.sequenceNumber === result.failedSequenceNumber);
        if (failedAt >= 0)
          return { ok: false, failedAt, partial: true, error: "handler reported a failed record" };
        return {
          ok: false,
          failedAt: 0,
          partial: false,
          error: `handler reported unknown failedSequenceNumber ${result.failedSequenceNumber}`,
        };
      } catch (e) {
        return { ok: false, failedAt: 0, partial: false, error: describe(e) };
      }
    };

    const park = async (i: number, reason: ParkReason, attempts: number, error?: string) => {
      const record = records[i] as StreamRecord;
      const aggregateKey = keys[i] as string;
      const failedAt = firstFailedAt.get(i);
      await options.parking.park({
        aggregateKey,
        position: positionOf(record),
        shardId,
        record,
        reason,
        attempts,
        parkedAt: clock(),
        ...(error !== undefined ? { error } : {}),
        ...(failedAt ? { firstFailedAt: failedAt } : {}),
      });
      blocked.add(aggregateKey);
      settled[i] = true;
      metrics.parked(aggregateKey, 1);
      log({
        level: "error",
        msg: "stream record parked",
        reason,
        shardId,
        sequenceNumber: record.sequenceNumber,
        aggregateKey,
        attempts,
        ...(error !== undefined ? { error } : {}),
      });
    };

    // Segments run left to right (a stack, left half on top), so records are tried in order.
    const stack: Segment[] = [
      { indices: records.map((_, i) => i), attempts: 0, transientFailures: 0 },
    ];
    while (stack.length > 0 && !signal?.aborted) {
      const segment = stack.pop() as Segment;
      const runnable: number[] = [];
      for (const i of segment.indices) {
        if (settled[i]) continue;
        if (blocked.has(keys[i] as string)) await park(i, "BehindParkedRecord", 0);
        else runnable.push(i);
      }
      if (runnable.length === 0) continue;

      const outcome = await attempt(runnable);
      if (outcome.ok) {
        for (const i of runnable) settled[i] = true;
        continue;
      }
      for (const i of runnable.slice(0, outcome.failedAt)) settled[i] = true;
      const rest = runnable.slice(outcome.failedAt);
      const head = rest[0] as number;
      const now = clock();
      for (const i of outcome.partial ? [head] : rest)
        if (!firstFailedAt.has(i)) firstFailedAt.set(i, now);

      if (!outcome.partial && isTransient(outcome.error)) {
        const transientFailures = segment.transientFailures + 1;
        log({ level: "warn", msg: "transient failure, retrying", shardId, error: outcome.error });
        metrics.retry(shardId);
        await sleep(backoffDelay(policy, transientFailures), signal);
        stack.push({ ...segment, indices: rest, transientFailures });
        continue;
      }
      if (!outcome.partial && policy.bisectOnError && rest.length > 1) {
        const mid = Math.ceil(rest.length / 2);
        stack.push({ indices: rest.slice(mid), attempts: 0, transientFailures: 0 });
        stack.push({ indices: rest.slice(0, mid), attempts: 0, transientFailures: 0 });
        continue;
      }

      // The failing unit: the reported record, a single record, or (no bisection) the whole rest.
      const failing = outcome.partial ? [head] : rest;
      const attempts = (segment.failingHead === head ? segment.attempts : 0) + 1;
      const oldest = new Date(
        Math.min(
          ...failing.map((i) => (records[i] as StreamRecord).approximateCreationTime.getTime()),
        ),
      );
      const verdict = failureVerdict(policy, attempts, oldest, now);
      if (verdict.action === "retry") {
        metrics.retry(shardId);
        log({
          level: "warn",
          msg: "stream batch failed, retrying",
          shardId,
          sequenceNumber: (records[head] as StreamRecord).sequenceNumber,
          attempts,
          delayMs: verdict.delayMs,
          error: outcome.error,
        });
        await sleep(verdict.delayMs, signal);
        stack.push({ indices: rest, attempts, failingHead: head, transientFailures: 0 });
        continue;
      }
      for (const i of failing) await park(i, verdict.reason, attempts, outcome.error);
      const after = rest.filter((i) => !settled[i]);
      if (after.length > 0) stack.push({ indices: after, attempts: 0, transientFailures: 0 });
    }

    const prefix = settled.indexOf(false);
    const last = prefix === -1 ? records.length - 1 : prefix - 1;
    return last >= 0 ? { checkpointUpTo: (records[last] as StreamRecord).sequenceNumber } : {};
  };
};
