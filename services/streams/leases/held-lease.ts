import { err, type Result } from "neverthrow";
import type { Lease } from "./lease.js";
import type { LeaseConflict } from "./lease-store.js";

export type LostReason = "CONFLICT" | "EXPIRED" | "RELEASED" | "FINISHED" | "ABANDONED";

/** Conflicts a write retries after finding the counter moved by this holder's own writes. */
const MAX_OWN_CONFLICTS = 3;

/**
 * A lease this worker holds: the latest version it wrote, when it last renewed it (local time)
 * and a signal that aborts once the lease is lost. Writes to one lease are serialised so a
 * renewal and a checkpoint never race each other on the counter.
 */
export class HeldLease {
  private current: Lease;
  private lastRenewedAt: number;
  private readonly lost = new AbortController();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    lease: Lease,
    takenAt: number,
    private readonly failoverMs: number,
  ) {
    this.current = lease;
    this.lastRenewedAt = takenAt;
  }

  get lease(): Lease {
    return this.current;
  }
  get leaseKey(): string {
    return this.current.leaseKey;
  }
  get token(): string | undefined {
    return this.current.concurrencyToken;
  }
  /** Aborts when the lease is lost, released or finished: the shard consumer must stop. */
  get signal(): AbortSignal {
    return this.lost.signal;
  }
  get lostReason(): LostReason | undefined {
    return this.lost.signal.aborted ? (this.lost.signal.reason as LostReason) : undefined;
  }

  /** Held and, by our own clock, not past the failover time since the last renewal. */
  isValid(now: number): boolean {
    return !this.lost.signal.aborted && now - this.lastRenewedAt <= this.failoverMs;
  }

  markLost(reason: LostReason): void {
    if (!this.lost.signal.aborted) this.lost.abort(reason);
  }

  /**
   * Runs one conditional write against the latest version of the lease, after any write
   * already in flight. `startedAt` is taken before the request: the lease is only known to be
   * ours from that moment. On a conflict, `reread` (when given) fetches the lease: if the owner
   * and concurrency token are still ours, the counter was moved by our own earlier write whose
   * response was lost (a renewal that timed out): the write is retried at the new counter.
   * Any other conflict marks the lease lost.
   */
  write(
    startedAt: () => number,
    send: (lease: Lease) => Promise<Result<Lease, LeaseConflict>>,
    /** What the lease becomes after a successful write: still held, or given up. */
    after: "HELD" | "RELEASED" | "FINISHED" = "HELD",
    reread?: () => Promise<Lease | undefined>,
  ): Promise<Result<Lease, LeaseConflict>> {
    const run = async () => {
      for (let conflicts = 0; ; conflicts++) {
        if (this.lost.signal.aborted)
          return err<Lease, LeaseConflict>({ reason: "LEASE_CONFLICT", leaseKey: this.leaseKey });
        const at = startedAt();
        const result = await send(this.current);
        if (result.isOk()) {
          this.current = result.value;
          if (after === "HELD") this.lastRenewedAt = at;
          else this.markLost(after);
          return result;
        }
        const fresh = conflicts < MAX_OWN_CONFLICTS ? await reread?.() : undefined;
        if (!fresh || !this.isOwnLaterVersion(fresh)) {
          this.markLost("CONFLICT");
          return result;
        }
        this.current = fresh;
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Same owner and token, higher counter: only this holder can have written it. */
  private isOwnLaterVersion(fresh: Lease): boolean {
    return (
      fresh.leaseOwner !== undefined &&
      fresh.leaseOwner === this.current.leaseOwner &&
      fresh.concurrencyToken === this.current.concurrencyToken &&
      fresh.leaseCounter > this.current.leaseCounter
    );
  }
}
