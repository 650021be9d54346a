import { randomUUID } from "node:crypto";
import { type Clock, systemClock } from "../../clock/clock.js";
import type { Heartbeat } from "../health/heartbeat.js";
import type { HeldLease } from "../leases/held-lease.js";
import type { WorkerId } from "../leases/lease.js";
import { LeaseCoordinator } from "../leases/lease-coordinator.js";
import type { LeaseStore } from "../leases/lease-store.js";
import { ShardConsumer } from "../lifecycle/shard-consumer.js";
import type { ShardState } from "../lifecycle/shard-state.js";
import { type ConsumerMetrics, noMetrics } from "../metrics/consumer-metrics.js";
import type { ProcessBatch } from "../processing/process-batch.js";
import type { StreamClient } from "../retrieval/stream-client.js";
import { syncShards } from "../shards/shard-syncer.js";
import type { TrimmedDataPolicy } from "../trimmed/trimmed-data-policy.js";
import { type ConsumerConfig, resolveConsumerConfig } from "./config.js";

export interface StreamWorkerOptions {
  readonly workerId: WorkerId;
  readonly streamArn: string;
  readonly client: StreamClient;
  readonly leases: LeaseStore;
  readonly processBatch: ProcessBatch;
  readonly config?: Partial<ConsumerConfig>;
  readonly metrics?: ConsumerMetrics;
  /** Detection and healing of trimmed data; without it a trimmed shard stops (state TRIMMED). */
  readonly trimmedPolicy?: TrimmedDataPolicy;
  readonly onError?: (error: unknown, during: string) => void;
  /** Expected read errors that are handled (see ShardConsumerDeps.onWarning). */
  readonly onWarning?: (error: unknown, during: string) => void;
  /**
   * Liveness for /healthz: `beat` on every take and renew cycle, per shard `shardStarted` when
   * taken, `shardProgress` on every page read (idle polls included) and checkpoint,
   * `consumerEnded` if its consumer ends while the lease is held, and `shardStopped` once the
   * lease is no longer held. Renewals alone never prove a shard is moving.
   */
  readonly heartbeat?: Pick<
    Heartbeat,
    "beat" | "shardStarted" | "shardProgress" | "shardStopped" | "consumerEnded"
  >;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly newToken?: () => string;
}

export interface ShardStatus {
  readonly shardId: string;
  readonly state: ShardState;
}

/**
 * One stream consumer worker (KCL's Scheduler, small): shard discovery, the lease coordinator
 * and one ShardConsumer per held lease. Several workers (processes) share a stream through the
 * lease table; each shard is processed by one of them at a time, in lineage order.
 */
export class StreamWorker {
  readonly config: ConsumerConfig;
  private readonly coordinator: LeaseCoordinator;
  private readonly shutdownSignal = new AbortController();
  private readonly consumers = new Map<ShardConsumer, Promise<ShardState>>();
  private readonly clock: Clock;
  private readonly metrics: ConsumerMetrics;
  private readonly onError: (error: unknown, during: string) => void;
  private syncWake = new AbortController();
  private syncLoop: Promise<void> = Promise.resolve();

  constructor(private readonly options: StreamWorkerOptions) {
    this.config = resolveConsumerConfig(options.config);
    this.clock = options.clock ?? systemClock;
    this.metrics = options.metrics ?? noMetrics;
    this.onError = options.onError ?? (() => {});
    this.coordinator = new LeaseCoordinator({
      store: options.leases,
      me: options.workerId,
      clock: this.clock,
      policy: {
        failoverMs: this.config.failoverMs,
        maxLeasesToStealAtOnce: this.config.maxLeasesToStealAtOnce,
        veryOldFactor: 3,
        maxLeasesForWorker: this.config.maxLeasesForWorker,
      },
      renewIntervalMs: this.config.renewIntervalMs,
      // Bounded below the failover time: a renewal answered later could not save the lease.
      renewTimeoutMs: this.config.failoverMs - this.config.renewIntervalMs,
      takeIntervalMs: this.config.takeIntervalMs,
      metrics: this.metrics,
      random: options.random ?? Math.random,
      newToken: options.newToken ?? randomUUID,
      onTaken: (held) => this.consume(held),
      onError: this.onError,
      onCycle: () => options.heartbeat?.beat(),
    });
  }

  get workerId(): WorkerId {
    return this.options.workerId;
  }

  /**
   * Syncs shards once (so a fresh stream has leases), then starts taking and consuming. A failed
   * first sync is reported and retried by the sync loop, not fatal.
   */
  async start(): Promise<void> {
    await this.sync().catch((e) => this.onError(e, "syncing shards"));
    this.coordinator.start();
    this.syncLoop = this.runSyncLoop();
  }

  /** Shards this worker consumes now, with their life-cycle state. */
  status(): ShardStatus[] {
    return [...this.consumers.keys()].map((c) => ({ shardId: c.shardId, state: c.currentState }));
  }

  heldLeaseKeys(): string[] {
    return this.coordinator.heldLeases().map((h) => h.leaseKey);
  }

  /**
   * Graceful stop (SIGTERM): take nothing more, let each shard finish its batch in flight and
   * checkpoint it, then release every lease (owner cleared) so others take them at once.
   */
  async shutdown(): Promise<void> {
    const takingEnded = this.coordinator.stopTaking();
    this.shutdownSignal.abort();
    this.syncWake.abort();
    const grace = new AbortController();
    // A take in flight ends first (a lease it lands now is released at once), then the shards.
    await Promise.race([
      takingEnded.then(() => Promise.all(this.consumers.values())),
      this.clock.sleep(this.config.shutdownGraceMs, grace.signal),
    ]);
    grace.abort();
    // Batches still running after the grace time are abandoned: their checkpoint will fail.
    await this.releaseAll();
    await this.coordinator.stop();
    await this.syncLoop;
  }

  /** Releases every held lease (owner cleared); failures are reported, never thrown. */
  async releaseAll(): Promise<void> {
    await Promise.all(
      this.coordinator
        .heldLeases()
        .map((h) =>
          this.coordinator.release(h).catch((e) => this.onError(e, `releasing ${h.leaseKey}`)),
        ),
    );
  }

  private consume(held: HeldLease): void {
    const consumer = new ShardConsumer(held, this.shutdownSignal.signal, {
      streamArn: this.options.streamArn,
      client: this.options.client,
      store: this.options.leases,
      leases: this.coordinator,
      processBatch: this.options.processBatch,
      clock: this.clock,
      metrics: this.metrics,
      config: this.config,
      ...(this.options.trimmedPolicy ? { trimmedPolicy: this.options.trimmedPolicy } : {}),
      onError: this.onError,
      ...(this.options.onWarning ? { onWarning: this.options.onWarning } : {}),
      onProgress: () => this.options.heartbeat?.shardProgress(held.leaseKey),
      ...(this.options.random ? { random: this.options.random } : {}),
      onFinished: (_shardId, children) => {
        // No children listed yet (resharding in progress): discover them now, then take.
        if (children.length === 0) this.syncWake.abort();
        this.coordinator.takeSoon();
      },
    });
    this.options.heartbeat?.shardStarted(held.leaseKey);
    const run = consumer
      .run()
      .then(async (state) => {
        if (held.signal.aborted || this.shutdownSignal.signal.aborted) return state;
        // Ended with the lease still held (its own release failed): never hold it unread.
        this.options.heartbeat?.consumerEnded(held.leaseKey);
        await this.coordinator.abandon(held);
        return state;
      })
      .finally(() => {
        this.consumers.delete(consumer);
        // A consumer of the same shard retaken meanwhile keeps its own progress tracked.
        if (![...this.consumers.keys()].some((c) => c.shardId === held.leaseKey))
          this.options.heartbeat?.shardStopped(held.leaseKey);
      });
    this.consumers.set(consumer, run);
  }

  private async sync(): Promise<void> {
    const result = await syncShards(
      this.options.client,
      this.options.streamArn,
      this.options.leases,
    );
    if (result.created.length > 0) this.coordinator.takeSoon();
  }

  private async runSyncLoop(): Promise<void> {
    while (!this.shutdownSignal.signal.aborted) {
      this.syncWake = new AbortController();
      await this.clock.sleep(
        this.config.shardSyncIntervalMs,
        AbortSignal.any([this.syncWake.signal, this.shutdownSignal.signal]),
      );
      if (this.shutdownSignal.signal.aborted) break;
      try {
        await this.sync();
      } catch (e) {
        this.onError(e, "syncing shards");
      }
    }
  }
}
