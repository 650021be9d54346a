import { type Backoff, backoffDelay } from "../../backoff/backoff.js";
import type { Clock } from "../../clock/clock.js";
import type { ConsumerConfig } from "../coordinator/config.js";
import {
  type Checkpoint,
  iteratorPositionOf,
  SHARD_END,
  TRIM_HORIZON,
} from "../leases/checkpoint.js";
import type { HeldLease } from "../leases/held-lease.js";
import { newLease } from "../leases/lease.js";
import type { LeaseCoordinator } from "../leases/lease-coordinator.js";
import type { LeaseStore } from "../leases/lease-store.js";
import type { ConsumerMetrics, ReadErrorKind } from "../metrics/consumer-metrics.js";
import type { ProcessBatch } from "../processing/process-batch.js";
import {
  type IteratorPosition,
  parentIdsOf,
  type ShardDescription,
  type StreamClient,
  StreamReadError,
  type StreamRecord,
} from "../retrieval/stream-client.js";
import type { TrimmedDataPolicy } from "../trimmed/trimmed-data-policy.js";
import { type ShardEvent, type ShardState, transition } from "./shard-state.js";

export interface ShardConsumerDeps {
  readonly streamArn: string;
  readonly client: StreamClient;
  readonly store: LeaseStore;
  readonly leases: Pick<LeaseCoordinator, "checkpoint" | "finish" | "release">;
  readonly processBatch: ProcessBatch;
  readonly clock: Clock;
  readonly metrics: ConsumerMetrics;
  readonly config: ConsumerConfig;
  readonly trimmedPolicy?: TrimmedDataPolicy;
  readonly onError: (error: unknown, during: string) => void;
  /**
   * A read error that is expected and handled (retried, nothing skipped): worth a line below
   * error level, so that error lines stay for real failures. Absent: `onError` gets it.
   */
  readonly onWarning?: (error: unknown, during: string) => void;
  /** The shard moved: a page read (records or empty), a checkpoint, a parent check (liveness). */
  readonly onProgress?: () => void;
  readonly onState?: (shardId: string, state: ShardState) => void;
  /** The shard ended and its lease is finished: hand the children over now. */
  readonly onFinished: (shardId: string, childShardIds: readonly string[]) => void;
  /** Uniform in [0, 1) for backoff jitter; injected so tests are deterministic. */
  readonly random?: () => number;
}

type BatchOutcome = "DONE" | "RETRY" | "LOST";

const untilAborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });

const errorKind = (e: unknown): ReadErrorKind =>
  e instanceof StreamReadError ? e.kind : "Unexpected";

/**
 * Consumes one leased shard (KCL's ShardConsumer with its tasks): waits for the parents, reads
 * from the checkpoint, hands each batch to ProcessBatch and checkpoints what it committed. At
 * the shard's end it creates the children's leases, then checkpoints SHARD_END and frees the
 * lease in one write. It stops before its next write once the lease is lost; on shutdown it
 * finishes the batch in flight, checkpoints it and releases the lease. Any other failure is
 * retried with capped, jittered backoff; should the loop still end, the lease is released, so a
 * lease is never held without a reader.
 */
export class ShardConsumer {
  private state: ShardState = "WAITING_ON_PARENTS";
  /** The last sequence number committed (or the starting sentinel). */
  private position: Checkpoint;
  private iterator: string | undefined;
  /**
   * Where the trimmed policy said to read from instead of after `position`; kept until a record
   * from there is committed, so a reopen (expired iterator, failed batch) goes back there too.
   */
  private resumeAt: IteratorPosition | undefined;
  /** The start-up trim probe has answered (a failed probe is tried again). */
  private probed = false;
  /** Read errors in a row (reset by a page read): the backoff exponent. */
  private readFailures = 0;
  /** When the current run of ResourceNotFound on a listed shard began, and whether it was escalated. */
  private notFoundSince: number | undefined;
  private notFoundEscalated = false;
  /** The children the last page named at SHARD_END (Kinesis `ChildShards`), if any. */
  private childShards: readonly ShardDescription[] | undefined;
  private readonly stop: AbortSignal;
  private readonly backoff: Backoff;
  /** `onWarning`, or `onError` for a caller that does not tell the two apart. */
  private readonly warn: (error: unknown, during: string) => void;

  constructor(
    private readonly held: HeldLease,
    private readonly shutdown: AbortSignal,
    private readonly deps: ShardConsumerDeps,
  ) {
    this.position = held.lease.checkpoint;
    this.stop = AbortSignal.any([held.signal, shutdown]);
    this.warn = deps.onWarning ?? deps.onError;
    this.backoff = {
      initialMs: deps.config.backoffMs,
      maxMs: Math.max(deps.config.backoffMs, deps.config.maxBackoffMs),
      multiplier: 2,
    };
  }

  get shardId(): string {
    return this.held.leaseKey;
  }

  get currentState(): ShardState {
    return this.state;
  }

  /** Runs until the shard is finished, the lease is lost or the worker shuts down. */
  async run(): Promise<ShardState> {
    try {
      if (await this.waitForParents()) await this.readUntilStopped();
    } catch (e) {
      this.deps.onError(e, `consuming ${this.shardId}`);
    }
    if (this.held.signal.aborted) {
      if (this.state !== "FINISHED") this.go("LEASE_LOST");
    } else if (this.shutdown.aborted) await this.releaseLease();
    else if (this.state !== "FINISHED") {
      // Ended for another reason (a bug): hand the shard to whoever takes it next.
      this.deps.onError(
        new Error(`shard ${this.shardId} stopped in state ${this.state}; releasing its lease`),
        `consuming ${this.shardId}`,
      );
      await this.releaseLease();
    }
    return this.state;
  }

  private go(event: ShardEvent): void {
    const next = transition(this.state, event);
    if (next === undefined) throw new Error(`shard ${this.shardId}: ${event} in ${this.state}`);
    this.state = next;
    this.deps.onState?.(this.shardId, next);
  }

  private async waitForParents(): Promise<boolean> {
    while (!this.stop.aborted) {
      // A failed read is retried: ending here would leave the lease held (and renewed) unread.
      const parents = await Promise.all(
        this.held.lease.parentShardIds.map((p) => this.deps.store.get(p)),
      ).catch((e: unknown) => this.deps.onError(e, `reading the parents of ${this.shardId}`));
      if (parents) this.deps.onProgress?.();
      if (parents?.every((p) => p === undefined || p.checkpoint === SHARD_END)) {
        this.go("PARENTS_FINISHED");
        return true;
      }
      await this.deps.clock.sleep(this.deps.config.parentPollMs, this.stop);
    }
    return false;
  }

  /** Polls at once while records come, sleeps the idle interval on an empty page. */
  private async readUntilStopped(): Promise<void> {
    while (!this.stop.aborted && this.state !== "TRIMMED") {
      try {
        if (await this.readOnce()) return;
      } catch (e) {
        try {
          await this.onReadError(e);
        } catch (during) {
          // Handling the error failed too (DescribeStream, the trimmed policy): back off, retry.
          this.deps.onError(during, `handling a read error of ${this.shardId}`);
          await this.backOff("Unexpected");
        }
      }
    }
    // Stopped on trimmed data: hold the lease (nobody skips ahead) until lost or shut down.
    if (this.state === "TRIMMED") await untilAborted(this.stop);
  }

  /** One GetRecords (opening an iterator first if needed); true once the shard is finished. */
  private async readOnce(): Promise<boolean> {
    if (this.iterator === undefined) {
      const position = await this.nextPosition();
      if (!position) {
        await this.endShard();
        return true;
      }
      this.iterator = await this.deps.client.getShardIterator(
        this.deps.streamArn,
        this.shardId,
        position,
      );
      this.go("ITERATOR_OPENED");
    }
    const page = await this.deps.client.getRecords(this.iterator, this.deps.config.batchSize);
    this.iterator = page.nextIterator;
    this.childShards = page.childShards;
    this.readFailures = 0;
    this.notFoundSince = undefined;
    this.notFoundEscalated = false;
    this.deps.onProgress?.();
    const outcome =
      page.records.length > 0 ? await this.process(page.records, page.millisBehindLatest) : "DONE";
    if (outcome === "LOST") return true;
    if (outcome === "RETRY") {
      this.iterator = undefined;
      await this.deps.clock.sleep(this.deps.config.backoffMs, this.stop);
    } else if (page.nextIterator === undefined) {
      await this.endShard();
      return true;
    } else if (page.records.length === 0) {
      await this.deps.clock.sleep(this.deps.config.idlePollMs, this.stop);
    }
    return false;
  }

  /** After the last committed record; on the first open the trimmed policy may say otherwise. */
  private async nextPosition(): Promise<IteratorPosition | undefined> {
    if (this.resumeAt) return this.resumeAt;
    const after = iteratorPositionOf(this.position);
    const policy = this.deps.trimmedPolicy;
    if (this.probed || !after || !policy?.startPosition) return after;
    const start = await policy.startPosition(
      this.shardId,
      after.type === "AFTER_SEQUENCE_NUMBER" ? this.position : undefined,
    );
    // Only an answered probe counts: after a failed one the next open probes again.
    this.probed = true;
    if (start.type !== after.type) this.resumeAt = start;
    return start;
  }

  /** Waits the next capped, jittered delay for this run of read errors. */
  private async backOff(kind: ReadErrorKind): Promise<void> {
    this.readFailures++;
    this.deps.metrics.readRetried(this.shardId, kind);
    const random = this.deps.random ?? Math.random;
    await this.deps.clock.sleep(backoffDelay(this.backoff, this.readFailures, random()), this.stop);
  }

  private async onReadError(e: unknown): Promise<void> {
    this.iterator = undefined;
    const kind = errorKind(e);
    if (kind === "ExpiredIterator") {
      this.go("ITERATOR_EXPIRED");
      // The first expiry reopens at once; expiring again and again backs off.
      if (this.readFailures > 0) await this.backOff(kind);
      else this.readFailures++;
      return;
    }
    if (kind === "TrimmedDataAccess" && this.position === TRIM_HORIZON && !this.resumeAt) {
      // Nothing committed yet: reopening at TRIM_HORIZON skips nothing we know of. DynamoDB
      // Local throws this for a TRIM_HORIZON iterator of an empty shard that just got records
      // (every `npm start`, at the first command): expected, so a warning, not an error; the
      // backoff and the TrimmedAtTrimHorizon retry metric cover a shard that keeps doing it.
      this.warn(e, `reading ${this.shardId} from TRIM_HORIZON; reopening there`);
      return this.backOff("TrimmedAtTrimHorizon");
    }
    if (kind === "TrimmedDataAccess") {
      // The decision comes first: if reporting fails, the read is retried and reported again.
      const decision = this.deps.trimmedPolicy
        ? await this.deps.trimmedPolicy.onTrimmedDataAccess(this.shardId, this.position, e)
        : this.stopOnTrim(e);
      if (decision === "RETRY") return this.backOff(kind);
      this.go("TRIMMED");
      if (decision === "STOP") return;
      this.resumeAt = decision;
      return this.go("RESUMED");
    }
    if (kind === "ResourceNotFound" && (await this.stillListed())) {
      // Listed but not found: eventual consistency right after a shard appears; retry. A warning
      // each time; the escalation below is the error, once it lasts too long.
      this.warn(e, `reading ${this.shardId}`);
      this.escalateIfNotFoundTooLong(e);
      return this.backOff("ShardNotFound");
    }
    if (kind === "ResourceNotFound") {
      const decision = this.deps.trimmedPolicy
        ? ((await this.deps.trimmedPolicy.onShardExpired(this.shardId, this.position)) ?? "FINISH")
        : this.stopOnTrim(e);
      this.go("TRIMMED");
      if (decision === "FINISH") await this.endShard();
      return;
    }
    if (kind !== "Throttled") this.deps.onError(e, `reading ${this.shardId}`);
    await this.backOff(kind);
  }

  /** A shard listed but unreadable for too long is alarmed once (log, metric); reads go on. */
  private escalateIfNotFoundTooLong(cause: unknown): void {
    const now = this.deps.clock.now();
    this.notFoundSince ??= now;
    if (this.notFoundEscalated || now - this.notFoundSince < this.deps.config.notFoundEscalationMs)
      return;
    this.notFoundEscalated = true;
    this.deps.metrics.shardNotFoundEscalated(this.shardId);
    this.deps.onError(
      new Error(
        `shard ${this.shardId} is listed by DescribeStream but has answered ResourceNotFound for ${now - this.notFoundSince} ms (${String(cause)}); still retrying with backoff, and /healthz reports it as silent`,
      ),
      `reading ${this.shardId}`,
    );
  }

  /** No policy: alarm and stop here; the lease stays held so no one else skips ahead. */
  private stopOnTrim(cause: unknown): "STOP" {
    this.deps.metrics.trimmed(this.shardId, this.position);
    this.deps.onError(
      new Error(
        `shard ${this.shardId}: records after checkpoint ${this.position} were trimmed from the stream before they were processed (${String(cause)}); the shard is stopped (state TRIMMED)`,
      ),
      `reading ${this.shardId}`,
    );
    return "STOP";
  }

  private async stillListed(): Promise<boolean> {
    const shards = await this.deps.client.listShards(this.deps.streamArn);
    return shards.some((s) => s.shardId === this.shardId);
  }

  /** One batch through ProcessBatch, then a conditional checkpoint of what it committed. */
  private async process(
    records: readonly StreamRecord[],
    millisBehindLatest: number | undefined,
  ): Promise<BatchOutcome> {
    if (!this.held.isValid(this.deps.clock.now())) {
      this.held.markLost("EXPIRED");
      return "LOST";
    }
    let upTo: string | undefined;
    try {
      const input = { shardId: this.shardId, records, signal: this.stop };
      upTo = (await this.deps.processBatch(input)).checkpointUpTo;
    } catch (e) {
      this.deps.onError(e, `processing a batch of ${this.shardId}`);
      return "RETRY";
    }
    const done = upTo === undefined ? 0 : records.findIndex((r) => r.sequenceNumber === upTo) + 1;
    if (upTo !== undefined && done === 0)
      this.deps.onError(
        new Error(`ProcessBatch returned checkpointUpTo ${upTo}, which is not in the batch`),
        `processing a batch of ${this.shardId}`,
      );
    if (upTo !== undefined && done > 0) {
      const written = await this.deps.leases.checkpoint(this.held, upTo);
      if (written.isErr()) return "LOST";
      this.position = upTo;
      this.resumeAt = undefined;
      this.deps.onProgress?.();
      this.deps.metrics.recordsProcessed(this.shardId, done);
      const last = records[done - 1];
      // Kinesis reports the lag itself; otherwise the last record's age stands for it.
      if (last)
        this.deps.metrics.batchProcessed(
          this.shardId,
          millisBehindLatest ??
            Math.max(0, this.deps.clock.now() - last.approximateCreationTime.getTime()),
        );
    }
    return done === records.length ? "DONE" : "RETRY";
  }

  /**
   * SHARD_END: create the children's leases (with both parents after a merge), then checkpoint
   * SHARD_END and free the lease. Children come from `ChildShards` when the service returned
   * them, from a shard listing otherwise.
   */
  private async endShard(): Promise<void> {
    this.go("SHARD_END_REACHED");
    let failures = 0;
    while (!this.held.signal.aborted) {
      try {
        const shards = this.childShards ?? (await this.deps.client.listShards(this.deps.streamArn));
        const kids = shards
          .filter((s) => parentIdsOf(s).includes(this.shardId))
          .sort((a, b) => a.shardId.localeCompare(b.shardId));
        for (const kid of kids)
          await this.deps.store.create(newLease(kid.shardId, parentIdsOf(kid), TRIM_HORIZON));
        const children = kids.map((k) => k.shardId);
        const finished = await this.deps.leases.finish(this.held, children);
        if (finished.isErr()) return;
        this.go("SHARD_END_CHECKPOINTED");
        this.deps.onFinished(this.shardId, children);
        return;
      } catch (e) {
        this.deps.onError(e, `ending ${this.shardId}`);
        const random = this.deps.random ?? Math.random;
        await this.deps.clock.sleep(
          backoffDelay(this.backoff, ++failures, random()),
          this.held.signal,
        );
      }
    }
  }

  private async releaseLease(): Promise<void> {
    if (this.state === "FINISHED") return;
    this.go("SHUTDOWN_REQUESTED");
    try {
      const released = await this.deps.leases.release(this.held);
      this.go(released.isOk() ? "RELEASED" : "LEASE_LOST");
    } catch (e) {
      this.deps.onError(e, `releasing ${this.shardId}`);
    }
  }
}
