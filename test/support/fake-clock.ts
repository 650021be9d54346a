import type { Clock } from "../../services/clock/clock.js";

interface Sleeper {
  readonly wakeAt: number;
  readonly resolve: () => void;
}

export interface FakeClockOptions {
  /** What `now()` returns first (ms). */
  readonly start?: number;
  /**
   * Each `sleep` moves time forward by its duration and resolves at once: for code whose
   * waits matter only as a record (`slept`), not as points where the test steps in.
   */
  readonly autoAdvance?: boolean;
}

/**
 * The one controlled clock for tests: time moves only when the test calls `advance` (or, with
 * `autoAdvance`, when the code sleeps), and a `sleep` resolves once time has reached its wake-up
 * point (or its signal aborts). `sleeping` lets a test await "the code under test is now
 * waiting" instead of counting event-loop turns; `slept` lists every requested duration.
 */
export class FakeClock implements Clock {
  private current: number;
  private readonly autoAdvance: boolean;
  private readonly sleepers = new Set<Sleeper>();
  private readonly sleepWaiters: Array<() => void> = [];
  /** Every duration passed to `sleep`, in call order. */
  readonly slept: number[] = [];

  constructor(options: FakeClockOptions = {}) {
    this.current = options.start ?? 0;
    this.autoAdvance = options.autoAdvance ?? false;
  }

  now(): number {
    return this.current;
  }

  /** `now()` as a Date. */
  date(): Date {
    return new Date(this.current);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.slept.push(ms);
    if (signal?.aborted) return Promise.resolve();
    if (this.autoAdvance) {
      this.current += Math.max(0, ms);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const sleeper: Sleeper = {
        wakeAt: this.current + Math.max(0, ms),
        resolve: () => {
          this.sleepers.delete(sleeper);
          signal?.removeEventListener("abort", sleeper.resolve);
          resolve();
        },
      };
      this.sleepers.add(sleeper);
      signal?.addEventListener("abort", sleeper.resolve, { once: true });
      for (const wake of this.sleepWaiters.splice(0)) wake();
      if (ms <= 0) queueMicrotask(sleeper.resolve);
    });
  }

  /** Number of pending sleeps. */
  get pendingSleeps(): number {
    return this.sleepers.size;
  }

  /** Resolves once at least `count` sleeps are pending. */
  async sleeping(count = 1): Promise<void> {
    while (this.sleepers.size < count) await new Promise<void>((r) => this.sleepWaiters.push(r));
  }

  /** Moves time forward and wakes every sleep that is due, earliest first. */
  async advance(ms: number): Promise<void> {
    this.current += ms;
    const due = [...this.sleepers]
      .filter((s) => s.wakeAt <= this.current)
      .sort((a, b) => a.wakeAt - b.wakeAt);
    for (const s of due) s.resolve();
    // Let the woken code run up to its next await.
    await new Promise<void>((r) => setImmediate(r));
  }
}

/**
 * Time stands still and every sleep passes after one event-loop turn: for tests where only the
 * order of steps matters, and a polling loop must still let I/O and timers run.
 */
export const yieldingClock: Clock = {
  now: () => 0,
  sleep: () => new Promise((resolve) => setImmediate(resolve)),
};
