import { describe, expect, it } from "vitest";
import { createVersionWaiter } from "../../services/query-api/read-your-writes/version-waiter.js";
import { InProcessVersionSignal } from "../../services/read-model/version-signal.js";
import { FakeClock } from "../support/fake-clock.js";

const ID = "0193c0de-0000-7000-8000-000000000001";

/** Lets the waiter run until it sleeps again (its reads are promise continuations). */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe("read-your-writes waiter on an injected clock", () => {
  it("polls every fallbackPollMs of clock time and re-reads once at the deadline", async () => {
    const clock = new FakeClock();
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
      await clock.advance(100);
    }
    await waiting;
    expect(outcome).toEqual({ reached: false, version: 1 });
    // The first read, one per poll, and the final re-read at the deadline.
    expect(reads).toBe(12);
  });

  it("ends its sleep when the signal wakes it first", async () => {
    const clock = new FakeClock();
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
    expect(clock.pendingSleeps).toBe(1);
    version = 2;
    signal.publish([{ itemId: ID, version: 2 }]);
    expect(await waiting).toEqual({ reached: true, version: 2 });
    expect(clock.pendingSleeps).toBe(0);
  });
});
