import { describe, expect, it } from "vitest";
import type { Clock } from "../../services/clock/clock.js";
import { createVersionWaiter } from "../../services/query-api/read-your-writes/version-waiter.js";
import { InProcessVersionSignal } from "../../services/read-model/version-signal.js";

const ID = "0193c0de-0000-7000-8000-000000000001";

/** A clock the test moves; sleeps end when it passes their end or their signal aborts. */
const fakeClock = () => {
  let t = 0;
  const sleepers = new Set<{ until: number; wake: () => void }>();
  const clock: Clock = {
    now: () => t,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        const s = {
          until: t + ms,
          wake: () => {
            sleepers.delete(s);
            resolve();
          },
        };
        sleepers.add(s);
        signal?.addEventListener("abort", s.wake, { once: true });
      }),
  };
  const advance = (ms: number) => {
    t += ms;
    for (const s of [...sleepers]) if (s.until <= t) s.wake();
  };
  return { clock, advance, sleeping: () => sleepers.size };
};

/** Lets the waiter run until it sleeps again (its reads are promise continuations). */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe("read-your-writes waiter on an injected clock", () => {
  it("polls every fallbackPollMs of clock time and re-reads once at the deadline", async () => {
    const { clock, advance } = fakeClock();
    let reads = 0;
    const wait = createVersionWaiter({
      readVersion: async () => {
        reads += 1;
        return 1;
      },
      timeoutMs: 1000,
      fallbackPollMs: 100,
      clock,
    });
    let outcome: unknown;
    const waiting = wait(ID, 2).then((o) => {
      outcome = o;
    });
    for (let i = 0; i < 10; i++) {
      await settle();
      expect(outcome).toBeUndefined();
      advance(100);
    }
    await waiting;
    expect(outcome).toEqual({ reached: false, version: 1 });
    // The first read, one per poll, and the final re-read at the deadline.
    expect(reads).toBe(12);
  });

  it("ends its sleep when the signal wakes it first", async () => {
    const { clock, sleeping } = fakeClock();
    let version = 1;
    const signal = new InProcessVersionSignal();
    const wait = createVersionWaiter({
      readVersion: async () => version,
      signal,
      timeoutMs: 60_000,
      clock,
    });
    const waiting = wait(ID, 2);
    await settle();
    expect(sleeping()).toBe(1);
    version = 2;
    signal.publish([{ itemId: ID, version: 2 }]);
    expect(await waiting).toEqual({ reached: true, version: 2 });
    expect(sleeping()).toBe(0);
  });
});
