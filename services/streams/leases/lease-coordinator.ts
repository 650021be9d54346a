import type { Result } from "neverthrow";
import type { Clock } from "../../clock/clock.js";
import type { ConsumerMetrics } from "../metrics/consumer-metrics.js";
import type { Checkpoint } from "./checkpoint.js";
import { HeldLease } from "./held-lease.js";
import type { Lease, WorkerId } from "./lease.js";
import type { LeaseConflict, LeaseStore } from "./lease-store.js";
import {
  nextScanAt,
  type Observations,
  observe,
  planLeaseTaking,
  type TakingPolicy,
} from "./lease-taker.js";

export interface LeaseCoordinatorOptions {
  readonly store: LeaseStore;
  readonly me: WorkerId;
  readonly clock: Clock;
  readonly policy: TakingPolicy;
  readonly renewIntervalMs: number;
  readonly takeIntervalMs: number;
  readonly metrics: ConsumerMetrics;
  readonly random: () => number;
  readonly newToken: () => string;
  /** A lease was taken: start consuming its shard (stop when `held.signal` aborts). */
  readonly onTaken: (held: HeldLease) => void;
  readonly onError: (error: unknown, during: string) => void;
  /** After every take and renew cycle: the coordinator's own liveness (shards report theirs). */
  readonly onCycle?: () => void;
}

/**
 * Takes and renews this worker's leases (KCL's LeaseTaker + LeaseRenewer loops). A lease whose
 * renewal conflicts, or that was not renewed within the failover time by our own clock, is
 * dropped and its signal aborted before anyone else can have taken it.
 */
export class LeaseCoordinator {
  private readonly held = new Map<string, HeldLease>();
  private observations: Observations = new Map();
  /** Cleared for good by stopTaking (shutdown): no take after that, even mid-cycle. */
  private taking = true;
  private renewing = false;
  private wake = new AbortController();
  private wakePending = false;
  private readonly stopRenewing = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(private readonly o: LeaseCoordinatorOptions) {}

  start(): void {
    this.renewing = true;
    this.loops = [this.takeLoop(), this.renewLoop()];
  }

  /** Runs a take cycle now instead of at the next interval (e.g. after a shard ended). */
  takeSoon(): void {
    this.wakePending = true;
    this.wake.abort();
  }

  /** No more takes; held leases stay renewed until released. */
  stopTaking(): void {
    this.taking = false;
    this.wake.abort();
  }

  /** Stops renewing (call after releasing): leases still held then expire for the others. */
  async stop(): Promise<void> {
    this.stopTaking();
    this.renewing = false;
    this.stopRenewing.abort();
    await Promise.all(this.loops);
  }

  heldLeases(): HeldLease[] {
    return [...this.held.values()];
  }

  checkpoint(held: HeldLease, checkpoint: Checkpoint): Promise<Result<Lease, LeaseConflict>> {
    return this.holderWrite(held, (l) => this.o.store.checkpoint(l, checkpoint), "HELD");
  }

  finish(held: HeldLease, childShardIds: readonly string[]) {
    return this.holderWrite(held, (l) => this.o.store.finish(l, childShardIds), "FINISHED");
  }

  release(held: HeldLease) {
    return this.holderWrite(held, (l) => this.o.store.release(l), "RELEASED");
  }

  private async holderWrite(
    held: HeldLease,
    send: (l: Lease) => Promise<Result<Lease, LeaseConflict>>,
    after: "HELD" | "RELEASED" | "FINISHED",
  ) {
    const result = await held.write(() => this.o.clock.now(), send, after);
    if (result.isErr() || after !== "HELD") this.drop(held, result.isErr());
    return result;
  }

  private drop(held: HeldLease, lost: boolean): void {
    if (this.held.get(held.leaseKey) !== held) return;
    this.held.delete(held.leaseKey);
    if (lost) this.o.metrics.leaseLost(held.leaseKey);
  }

  private async takeLoop(): Promise<void> {
    while (this.taking) {
      this.wakePending = false;
      let next = this.o.clock.now() + this.o.takeIntervalMs;
      try {
        next = await this.takeCycle();
      } catch (e) {
        this.o.onError(e, "taking leases");
      }
      this.o.onCycle?.();
      if (!this.taking) break;
      if (this.wakePending) continue;
      this.wake = new AbortController();
      await this.o.clock.sleep(Math.max(0, next - this.o.clock.now()), this.wake.signal);
    }
  }

  /** One scan → plan → conditional takes. Returns when the next scan should run. */
  async takeCycle(): Promise<number> {
    const leases = await this.o.store.list();
    const now = this.o.clock.now();
    this.observations = observe(this.observations, leases, now);
    const plan = planLeaseTaking({
      me: this.o.me,
      held: new Set(this.held.keys()),
      leases,
      observations: this.observations,
      now,
      policy: this.o.policy,
      random: this.o.random,
    });
    const stolen = new Set(plan.steal.map((l) => l.leaseKey));
    for (const lease of [...plan.take, ...plan.steal]) {
      if (!this.taking) break;
      const takenAt = this.o.clock.now();
      const result = await this.o.store.take(lease, this.o.me, this.o.newToken());
      if (result.isErr()) continue;
      const held = new HeldLease(result.value, takenAt, this.o.policy.failoverMs);
      this.held.set(held.leaseKey, held);
      this.o.metrics.leaseTaken(held.leaseKey, stolen.has(held.leaseKey));
      this.o.onTaken(held);
    }
    return nextScanAt(
      leases,
      this.observations,
      this.o.me,
      now,
      this.o.policy.failoverMs,
      this.o.takeIntervalMs,
    );
  }

  private async renewLoop(): Promise<void> {
    while (this.renewing) {
      await this.renewAll();
      this.o.onCycle?.();
      await this.o.clock.sleep(this.o.renewIntervalMs, this.stopRenewing.signal);
    }
  }

  /** Renews every held lease; drops those expired by our own clock instead of renewing them. */
  async renewAll(): Promise<void> {
    await Promise.all(
      this.heldLeases().map(async (held) => {
        if (!held.isValid(this.o.clock.now())) {
          held.markLost("EXPIRED");
          this.drop(held, true);
          return;
        }
        try {
          await this.holderWrite(held, (l) => this.o.store.renew(l), "HELD");
        } catch (e) {
          // A network fault is not a loss: retry next time; expiry by our clock still applies.
          this.o.onError(e, `renewing ${held.leaseKey}`);
        }
      }),
    );
    this.o.metrics.leasesHeld(this.held.size);
  }
}
