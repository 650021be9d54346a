import { type Clock, systemClock } from "../../clock/clock.js";
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
  /** Deadline and waits; tests pass a fake one. */
  readonly clock?: Clock;
}

export type WaitOutcome =
  | { readonly reached: true; readonly version: number }
  | { readonly reached: false; readonly version: number };

export type VersionWaiter = (itemId: string, minVersion: number) => Promise<WaitOutcome>;

/**
 * Waits until the projection of `itemId` reaches `minVersion`, for at most `timeoutMs`.
 * Subscribes before the first read so a commit between read and subscribe is not missed, and
 * re-reads once at the deadline in case a notification was lost.
 */
export const createVersionWaiter =
  (options: VersionWaiterOptions): VersionWaiter =>
  async (itemId, minVersion) => {
    const clock = options.clock ?? systemClock;
    let wake: () => void = () => undefined;
    const woken = () => new Promise<void>((r) => (wake = r));
    let next = woken();
    const unsubscribe = options.signal?.subscribe((reached) => {
      if (reached.some((r) => r.itemId === itemId && r.version >= minVersion)) wake();
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
      unsubscribe?.();
    }
  };
