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
  /**
   * Longest wait for one renewal, below the failover time (default: the renew interval): a
   * renewal that hangs is abandoned and tried again, never holding up the other leases.
   */
  readonly renewTimeoutMs?: number;
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
 * dropped and its signal aborted before anyone else can have taken it. Each lease renews on its
 * own, under a deadline: one slow renewal never delays another lease's.
 */
export class LeaseCoordinator {
  private readonly held = new Map<string, HeldLease>();
  /** Renewals in flight, by lease key: a lease is never renewed twice at once. */
  private readonly renewals = new Map<string, Promise<void>>();
  private observations: Observations = new Map();
  /** Cleared for good by stopTaking (shutdown): no take after that, even mid-cycle. */
  private taking = true;
  private renewing = false;
  private wake = new AbortController();
  private wakePending = false;
  private readonly stopRenewing = new AbortController();
  private takeLoopDone: Promise<void> = Promise.resolve();
  private renewLoopDone: Promise<void> = Promise.resolve();

  constructor(private readonly options: LeaseCoordinatorOptions) {}

  start(): void {
    this.renewing = true;
    this.takeLoopDone = this.takeLoop();
    this.renewLoopDone = this.renewLoop();
  }

  /** Runs a take cycle now instead of at the next interval (e.g. after a shard ended). */
  takeSoon(): void {
    this.wakePending = true;
    this.wake.abort();
  }

  /**
   * No more takes; held leases stay renewed until released. Resolves once a take cycle in
   * flight has ended: a lease it took after this call is already released again.
   */
  stopTaking(): Promise<void> {
    this.taking = false;
    this.wake.abort();
    return this.takeLoopDone;
  }

  /** Stops renewing (call after releasing): leases still held then expire for the others. */
  async stop(): Promise<void> {
    await this.stopTaking();
    this.renewing = false;
    this.stopRenewing.abort();
    await this.renewLoopDone;
    await Promise.all(this.renewals.values());
  }

  heldLeases(): HeldLease[] {
    return [...this.held.values()];
  }

  checkpoint(held: HeldLease, checkpoint: Checkpoint): Promise<Result<Lease, LeaseConflict>> {
    return this.holderWrite(held, (l) => this.options.store.checkpoint(l, checkpoint), "HELD");
  }

  finish(held: HeldLease, childShardIds: readonly string[]) {
    return this.holderWrite(held, (l) => this.options.store.finish(l, childShardIds), "FINISHED");
  }

  release(held: HeldLease) {
    return this.holderWrite(held, (l) => this.options.store.release(l), "RELEASED");
  }

  /**
   * Gives up a lease whose consumer ended without finishing it: released if possible, else
   * dropped here without a write (no more renewals), so it expires for the others either way.
   */
  async abandon(held: HeldLease): Promise<void> {
    try {
      if ((await this.release(held)).isOk()) return;
    } catch (e) {
      this.options.onError(e, `releasing ${held.leaseKey}`);
    }
    held.markLost("ABANDONED");
    this.drop(held, true);
  }

  private async holderWrite(
    held: HeldLease,
    send: (l: Lease) => Promise<Result<Lease, LeaseConflict>>,
    after: "HELD" | "RELEASED" | "FINISHED",
  ) {
    const result = await held.write(
      () => this.options.clock.now(),
      send,
      after,
      () => this.options.store.get(held.leaseKey),
    );
    if (result.isErr() || after !== "HELD") this.drop(held, result.isErr());
    return result;
  }

  private drop(held: HeldLease, lost: boolean): void {
    if (this.held.get(held.leaseKey) !== held) return;
    this.held.delete(held.leaseKey);
    if (lost) this.options.metrics.leaseLost(held.leaseKey);
  }

  private async takeLoop(): Promise<void> {
    while (this.taking) {
      this.wakePending = false;
      let next = this.options.clock.now() + this.options.takeIntervalMs;
      try {
        next = await this.takeCycle();
      } catch (e) {
        this.options.onError(e, "taking leases");
      }
      this.options.onCycle?.();
      if (!this.taking) break;
      if (this.wakePending) continue;
      this.wake = new AbortController();
      await this.options.clock.sleep(
        Math.max(0, next - this.options.clock.now()),
        this.wake.signal,
      );
    }
  }

  /** One scan → plan → conditional takes. Returns when the next scan should run. */
  async takeCycle(): Promise<number> {
    const { store, clock, me, policy } = this.options;
    const leases = await store.list();
    const now = clock.now();
    this.observations = observe(this.observations, leases, now);
    const plan = planLeaseTaking({
      me,
      held: new Set(this.held.keys()),
      leases,
      observations: this.observations,
      now,
      policy,
      random: this.options.random,
    });
    const stolen = new Set(plan.steal.map((l) => l.leaseKey));
    for (const lease of [...plan.take, ...plan.steal]) {
      if (!this.taking) break;
      const takenAt = clock.now();
      const result = await store.take(lease, me, this.options.newToken());
      if (result.isErr()) continue;
      const held = new HeldLease(result.value, takenAt, policy.failoverMs);
      if (!this.taking) {
        // Shutdown began while this take was in flight: hand the lease straight back.
        await store.release(result.value).catch((e) => this.options.onError(e, "releasing"));
        continue;
      }
      this.held.set(held.leaseKey, held);
      this.options.metrics.leaseTaken(held.leaseKey, stolen.has(held.leaseKey));
      this.options.onTaken(held);
    }
    return nextScanAt(
      leases,
      this.observations,
      me,
      now,
      policy.failoverMs,
      this.options.takeIntervalMs,
    );
  }

  private async renewLoop(): Promise<void> {
    while (this.renewing) {
      // Not awaited: the next tick comes on time even while a renewal hangs.
      void this.renewAll();
      this.options.onCycle?.();
      await this.options.clock.sleep(this.options.renewIntervalMs, this.stopRenewing.signal);
    }
  }

  /**
   * Renews every held lease, each on its own and under its deadline; drops those expired by our
   * own clock instead of renewing them. A lease whose renewal is still in flight is skipped.
   */
  async renewAll(): Promise<void> {
    await Promise.all(this.heldLeases().map((held) => this.renewOnce(held)));
    this.options.metrics.leasesHeld(this.held.size);
  }

  private renewOnce(held: HeldLease): Promise<void> {
    const inFlight = this.renewals.get(held.leaseKey);
    if (inFlight) return inFlight;
    const renewal = this.renew(held).finally(() => this.renewals.delete(held.leaseKey));
    this.renewals.set(held.leaseKey, renewal);
    return renewal;
  }

  private async renew(held: HeldLease): Promise<void> {
    const { clock, store } = this.options;
    if (!held.isValid(clock.now())) {
      held.markLost("EXPIRED");
      this.drop(held, true);
      return;
    }
    const timeoutMs = this.options.renewTimeoutMs ?? this.options.renewIntervalMs;
    const deadline = new AbortController();
    const done = new AbortController();
    const timer = clock.sleep(timeoutMs, done.signal).then(() => {
      if (!done.signal.aborted) deadline.abort(new Error(`renewal took over ${timeoutMs} ms`));
    });
    try {
      // The race stops waiting even for a store that ignores the signal.
      await Promise.race([
        this.holderWrite(held, (l) => store.renew(l, deadline.signal), "HELD"),
        timer.then(() => {
          if (deadline.signal.aborted) throw deadline.signal.reason;
        }),
      ]);
    } catch (e) {
      // A network fault or the deadline is not a loss: retry next time; expiry by our clock
      // still applies.
      this.options.onError(e, `renewing ${held.leaseKey}`);
    } finally {
      done.abort();
    }
  }
}
