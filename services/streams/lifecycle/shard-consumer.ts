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
import type { ConsumerMetrics } from "../metrics/consumer-metrics.js";
import type { ProcessBatch } from "../processing/process-batch.js";
import {
  type IteratorPosition,
  type StreamClient,
  StreamReadError,
  type StreamRecord,
} from "../retrieval/stream-client.js";
import { childrenOf } from "../shards/lineage.js";
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
  /** Every read-loop iteration, idle polls and retries included (liveness). */
  readonly onProgress?: () => void;
  readonly onState?: (shardId: string, state: ShardState) => void;
  /** The shard ended and its lease is finished: hand the children over now. */
  readonly onFinished: (shardId: string, childShardIds: readonly string[]) => void;
}

type BatchOutcome = "DONE" | "RETRY" | "LOST";

const untilAborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });

/**
 * Consumes one leased shard (KCL's ShardConsumer with its tasks): waits for the parents, reads
 * from the checkpoint, hands each batch to ProcessBatch and checkpoints what it committed. At
 * the shard's end it creates the children's leases, then checkpoints SHARD_END and frees the
 * lease in one write. It stops before its next write once the lease is lost; on shutdown it
 * finishes the batch in flight, checkpoints it and releases the lease.
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
  private opened = false;
  private readonly stop: AbortSignal;

  constructor(
    private readonly held: HeldLease,
    private readonly shutdown: AbortSignal,
    private readonly d: ShardConsumerDeps,
  ) {
    this.position = held.lease.checkpoint;
    this.stop = AbortSignal.any([held.signal, shutdown]);
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
      this.d.onError(e, `consuming ${this.shardId}`);
    }
    if (this.held.signal.aborted) {
      if (this.state !== "FINISHED") this.go("LEASE_LOST");
    } else if (this.shutdown.aborted) await this.releaseOnShutdown();
    return this.state;
  }

  private go(event: ShardEvent): void {
    const next = transition(this.state, event);
    if (next === undefined) throw new Error(`shard ${this.shardId}: ${event} in ${this.state}`);
    this.state = next;
    this.d.onState?.(this.shardId, next);
  }

  private async waitForParents(): Promise<boolean> {
    while (!this.stop.aborted) {
      // A failed read is retried: ending here would leave the lease held (and renewed) unread.
      const parents = await Promise.all(
        this.held.lease.parentShardIds.map((p) => this.d.store.get(p)),
      ).catch((e: unknown) => this.d.onError(e, `reading the parents of ${this.shardId}`));
      if (parents?.every((p) => p === undefined || p.checkpoint === SHARD_END)) {
        this.go("PARENTS_FINISHED");
        return true;
      }
      await this.d.clock.sleep(this.d.config.parentPollMs, this.stop);
    }
    return false;
  }

  /** Polls at once while records come, sleeps the idle interval on an empty page. */
  private async readUntilStopped(): Promise<void> {
    while (!this.stop.aborted && this.state !== "TRIMMED") {
      this.d.onProgress?.();
      try {
        if (this.iterator === undefined) {
          const position = await this.nextPosition();
          if (!position) return await this.endShard();
          this.iterator = await this.d.client.getShardIterator(
            this.d.streamArn,
            this.shardId,
            position,
          );
          this.go("ITERATOR_OPENED");
        }
        const page = await this.d.client.getRecords(this.iterator, this.d.config.batchSize);
        this.iterator = page.nextIterator;
        const outcome = page.records.length > 0 ? await this.process(page.records) : "DONE";
        if (outcome === "LOST") return;
        if (outcome === "RETRY") {
          this.iterator = undefined;
          await this.d.clock.sleep(this.d.config.backoffMs, this.stop);
        } else if (page.nextIterator === undefined) {
          return await this.endShard();
        } else if (page.records.length === 0) {
          await this.d.clock.sleep(this.d.config.idlePollMs, this.stop);
        }
      } catch (e) {
        await this.onReadError(e);
      }
    }
    // Stopped on trimmed data: hold the lease (nobody skips ahead) until lost or shut down.
    if (this.state === "TRIMMED") await untilAborted(this.stop);
  }

  /** After the last committed record; on the first open the trimmed policy may say otherwise. */
  private async nextPosition(): Promise<IteratorPosition | undefined> {
    if (this.resumeAt) return this.resumeAt;
    const after = iteratorPositionOf(this.position);
    const first = !this.opened;
    this.opened = true;
    const policy = this.d.trimmedPolicy;
    if (!first || !after || !policy?.startPosition) return after;
    const start = await policy.startPosition(
      this.shardId,
      after.type === "AFTER_SEQUENCE_NUMBER" ? this.position : undefined,
    );
    if (start.type !== after.type) this.resumeAt = start;
    return start;
  }

  private async onReadError(e: unknown): Promise<void> {
    this.iterator = undefined;
    const kind = e instanceof StreamReadError ? e.kind : undefined;
    if (kind === "ExpiredIterator") return this.go("ITERATOR_EXPIRED");
    if (kind === "TrimmedDataAccess" && this.position === TRIM_HORIZON && !this.resumeAt) {
      // Nothing committed yet: reopening at TRIM_HORIZON skips nothing we know of. (DynamoDB
      // Local throws this for a TRIM_HORIZON iterator of an empty shard that just got records.)
      this.d.onError(e, `reading ${this.shardId} from TRIM_HORIZON; reopening there`);
      return;
    }
    if (kind === "TrimmedDataAccess") {
      this.go("TRIMMED");
      const decision = this.d.trimmedPolicy
        ? await this.d.trimmedPolicy.onTrimmedDataAccess(this.shardId, this.position, e)
        : this.stopOnTrim(e);
      if (decision === "STOP") return;
      this.resumeAt = decision;
      return this.go("RESUMED");
    }
    if (kind === "ResourceNotFound" && (await this.stillListed())) {
      // Listed but not found: eventual consistency right after a shard appears; retry.
      this.d.onError(e, `reading ${this.shardId}`);
      return this.d.clock.sleep(this.d.config.backoffMs, this.stop);
    }
    if (kind === "ResourceNotFound") {
      this.go("TRIMMED");
      const decision = this.d.trimmedPolicy
        ? ((await this.d.trimmedPolicy.onShardExpired(this.shardId, this.position)) ?? "FINISH")
        : this.stopOnTrim(e);
      if (decision === "FINISH") await this.endShard();
      return;
    }
    if (kind !== "Throttled") this.d.onError(e, `reading ${this.shardId}`);
    await this.d.clock.sleep(this.d.config.backoffMs, this.stop);
  }

  /** No policy: alarm and stop here; the lease stays held so no one else skips ahead. */
  private stopOnTrim(cause: unknown): "STOP" {
    this.d.metrics.trimmed(this.shardId, this.position);
    this.d.onError(
      new Error(
        `shard ${this.shardId}: records after checkpoint ${this.position} were trimmed from the stream before they were processed (${String(cause)}); the shard is stopped (state TRIMMED)`,
      ),
      `reading ${this.shardId}`,
    );
    return "STOP";
  }

  private async stillListed(): Promise<boolean> {
    const shards = await this.d.client.listShards(this.d.streamArn);
    return shards.some((s) => s.shardId === this.shardId);
  }

  /** One batch through ProcessBatch, then a conditional checkpoint of what it committed. */
  private async process(records: readonly StreamRecord[]): Promise<BatchOutcome> {
    if (!this.held.isValid(this.d.clock.now())) {
      this.held.markLost("EXPIRED");
      return "LOST";
    }
    let upTo: string | undefined;
    try {
      const input = { shardId: this.shardId, records, signal: this.stop };
      upTo = (await this.d.processBatch(input)).checkpointUpTo;
    } catch (e) {
      this.d.onError(e, `processing a batch of ${this.shardId}`);
      return "RETRY";
    }
    const done = upTo === undefined ? 0 : records.findIndex((r) => r.sequenceNumber === upTo) + 1;
    if (upTo !== undefined && done === 0)
      this.d.onError(
        new Error(`ProcessBatch returned checkpointUpTo ${upTo}, which is not in the batch`),
        `processing a batch of ${this.shardId}`,
      );
    if (upTo !== undefined && done > 0) {
      const written = await this.d.leases.checkpoint(this.held, upTo);
      if (written.isErr()) return "LOST";
      this.position = upTo;
      this.resumeAt = undefined;
      this.d.metrics.recordsProcessed(this.shardId, done);
      const last = records[done - 1];
      if (last)
        this.d.metrics.batchProcessed(
          this.shardId,
          Math.max(0, this.d.clock.now() - last.approximateCreationTime.getTime()),
        );
    }
    return done === records.length ? "DONE" : "RETRY";
  }

  /** SHARD_END: create the children's leases, then checkpoint SHARD_END and free the lease. */
  private async endShard(): Promise<void> {
    this.go("SHARD_END_REACHED");
    while (!this.held.signal.aborted) {
      try {
        const shards = await this.d.client.listShards(this.d.streamArn);
        const children = childrenOf(this.shardId, shards);
        for (const child of children)
          await this.d.store.create(newLease(child, [this.shardId], TRIM_HORIZON));
        const finished = await this.d.leases.finish(this.held, children);
        if (finished.isErr()) return;
        this.go("SHARD_END_CHECKPOINTED");
        this.d.onFinished(this.shardId, children);
        return;
      } catch (e) {
        this.d.onError(e, `ending ${this.shardId}`);
        await this.d.clock.sleep(this.d.config.backoffMs, this.held.signal);
      }
    }
  }

  private async releaseOnShutdown(): Promise<void> {
    if (this.state === "FINISHED") return;
    this.go("SHUTDOWN_REQUESTED");
    try {
      const released = await this.d.leases.release(this.held);
      this.go(released.isOk() ? "RELEASED" : "LEASE_LOST");
    } catch (e) {
      this.d.onError(e, `releasing ${this.shardId}`);
    }
  }
}
