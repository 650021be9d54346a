import { type Clock, systemClock } from "../../clock/clock.js";
import type { VersionReached } from "../../read-model/projector.js";
import type { VersionSignal } from "../../read-model/version-signal.js";

/** Reads the projected version of one item (0 when it has no row yet). */
export type ReadVersion = (itemId: string) => Promise<number>;

export interface VersionWaiterOptions {
  readonly readVersion: ReadVersion;
  /** Signal from the projector; without one the waiter falls back to polling. */
  readonly signal?: VersionSignal;
  readonly timeoutMs: number;
  /** Poll interval when there is no signal (PGlite delivers no cross-connection NOTIFY). */
  readonly fallbackPollMs?: number;
  /** Waiters at once; one more is refused at once (the API answers 503). */
  readonly maxWaiters?: number;
  /** Deadline and waits; tests pass a fake one. */
  readonly clock?: Clock;
}

export const DEFAULT_MAX_WAITERS = 1000;

export type WaitOutcome =
  | { readonly reached: boolean; readonly version: number }
  /** Too many requests already wait: this one was not admitted (nothing was read). */
  | { readonly reached: false; readonly overloaded: true };

export type VersionWaiter = (itemId: string, minVersion: number) => Promise<WaitOutcome>;

/**
 * Waits until the projection of `itemId` reaches `minVersion`, for at most `timeoutMs`.
 * Waiters are indexed by item id, so a notification wakes only those of the items it names
 * (no scan of every waiter per NOTIFY); the signal is subscribed while anyone waits. Each
 * waiter registers before its first read so a commit between read and registration is not
 * missed, and re-reads once at the deadline in case a notification was lost.
 */
export const createVersionWaiter = (options: VersionWaiterOptions): VersionWaiter => {
  const clock = options.clock ?? systemClock;
  const maxWaiters = options.maxWaiters ?? DEFAULT_MAX_WAITERS;
  const byItem = new Map<string, Set<(version: number) => void>>();
  let waiters = 0;
  let unsubscribe: (() => void) | undefined;

  const onReached = (reached: readonly VersionReached[]) => {
    for (const r of reached) for (const wake of byItem.get(r.itemId) ?? []) wake(r.version);
  };

  const register = (itemId: string, wake: (version: number) => void): (() => void) => {
    if (waiters++ === 0) unsubscribe = options.signal?.subscribe(onReached);
    const set = byItem.get(itemId) ?? new Set();
    byItem.set(itemId, set.add(wake));
    return () => {
      set.delete(wake);
      if (set.size === 0) byItem.delete(itemId);
      if (--waiters === 0) {
        unsubscribe?.();
        unsubscribe = undefined;
      }
    };
  };

  return async (itemId, minVersion) => {
    if (waiters >= maxWaiters) return { reached: false, overloaded: true };
    let wake: () => void = () => undefined;
    const woken = () => new Promise<void>((r) => (wake = r));
    let next = woken();
    const leave = register(itemId, (version) => {
      if (version >= minVersion) wake();
    });
    const deadline = clock.now() + options.timeoutMs;
    try {
      let version = await options.readVersion(itemId);
      while (version < minVersion) {
        const left = deadline - clock.now();
        if (left <= 0) {
          const last = await options.readVersion(itemId);
          return { reached: last >= minVersion, version: last };
        }
        const wait = options.signal ? left : Math.min(left, options.fallbackPollMs ?? 100);
        // Aborting ends the sleep's timer once the signal won the race.
        const sleeping = new AbortController();
        await Promise.race([next, clock.sleep(wait, sleeping.signal)]);
        sleeping.abort();
        next = woken();
        version = await options.readVersion(itemId);
      }
      return { reached: true, version };
    } finally {
      leave();
    }
  };
};
