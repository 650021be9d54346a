import { describe, expect, it } from "vitest";
import { createPerKeyQueue } from "../../services/command-handling/per-key-queue.js";
import { FakeClock } from "../support/fake-clock.js";

const deferred = () => {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

const unbounded = { maxDepth: 1_000, maxInFlight: 1_000 };

/** A task that records its start, then runs until `until` settles. */
const logThenWait = (log: string[], name: string, until: Promise<void>) => async () => {
  log.push(name);
  await until;
};

/** A waiting task's caller hears nothing for `ms - 1` of the clock, then DeadlineExceeded. */
const expectDroppedAfter = async (clock: FakeClock, waiting: Promise<unknown>, ms: number) => {
  let answered: unknown;
  const heard = waiting.then((r) => {
    answered = r;
  });
  await clock.advance(ms - 1);
  expect(answered).toBeUndefined();
  await clock.advance(1);
  await heard;
  expect(answered).toMatchObject({ error: { kind: "DeadlineExceeded" } });
};

describe("per-key queue", () => {
  it("runs tasks of one key one after another, in arrival order", async () => {
    const queue = createPerKeyQueue(unbounded);
    const log: string[] = [];
    const gate = deferred();
    const first = queue("a", async () => {
      log.push("a1 start");
      await gate.promise;
      log.push("a1 end");
    });
    const second = queue("a", async () => {
      log.push("a2");
    });
    await Promise.resolve();
    expect(log).toEqual(["a1 start"]);
    gate.resolve();
    await Promise.all([first, second]);
    expect(log).toEqual(["a1 start", "a1 end", "a2"]);
  });

  it("runs tasks of different keys concurrently", async () => {
    const queue = createPerKeyQueue(unbounded);
    const gate = deferred();
    const blocked = queue("a", () => gate.promise);
    expect((await queue("b", async () => "b done"))._unsafeUnwrap()).toBe("b done");
    gate.resolve();
    await blocked;
  });

  it("keeps going after a task fails, and passes the failure to its caller only", async () => {
    const queue = createPerKeyQueue(unbounded);
    const failing = queue("a", async () => {
      throw new Error("boom");
    });
    const next = queue("a", async () => 42);
    await expect(failing).rejects.toThrow("boom");
    expect((await next)._unsafeUnwrap()).toBe(42);
  });
});

describe("per-key queue admission", () => {
  it("refuses a task beyond the key's depth at once, and admits again once there is room", async () => {
    const queue = createPerKeyQueue({ maxDepth: 2, maxInFlight: 100 });
    const gate = deferred();
    let ran = 0;
    const task = async () => {
      ran += 1;
      await gate.promise;
    };
    const admitted = [queue("hot", task), queue("hot", task)];
    expect((await queue("hot", task))._unsafeUnwrapErr()).toEqual({ kind: "QueueFull", depth: 2 });
    // Another item is not held up by the hot one.
    expect((await queue("cold", async () => "ok"))._unsafeUnwrap()).toBe("ok");
    gate.resolve();
    for (const r of await Promise.all(admitted)) expect(r.isOk()).toBe(true);
    expect(ran).toBe(2);
    expect((await queue("hot", async () => "again"))._unsafeUnwrap()).toBe("again");
  });

  it("refuses a task beyond the global in-flight cap, whatever its key", async () => {
    const queue = createPerKeyQueue({ maxDepth: 100, maxInFlight: 2 });
    const gate = deferred();
    const admitted = [queue("a", () => gate.promise), queue("b", () => gate.promise)];
    expect((await queue("c", async () => 1))._unsafeUnwrapErr()).toEqual({
      kind: "TooManyInFlight",
      limit: 2,
    });
    gate.resolve();
    await Promise.all(admitted);
    expect((await queue("c", async () => 1))._unsafeUnwrap()).toBe(1);
  });

  it("drops a waiting task at its deadline, answers its caller then, and never runs it", async () => {
    const clock = new FakeClock({ start: 1_000 });
    const queue = createPerKeyQueue({ maxDepth: 10, maxInFlight: 10 }, clock);
    const gate = deferred();
    const log: string[] = [];
    const running = queue("a", logThenWait(log, "first", gate.promise));
    const waiting = queue("a", async () => void log.push("late"), 1_500);
    const later = queue("a", async () => void log.push("third"), 5_000);
    await clock.sleeping(2);
    await expectDroppedAfter(clock, waiting, 500);
    // The first task is still running: the caller was answered while it waited.
    gate.resolve();
    await running;
    await later;
    expect(log).toEqual(["first", "third"]);
  });

  it("counts a task dropped while it is admitted once, so the in-flight bound still holds", async () => {
    // Time moves 1 ms at every reading: the task passes admission at 0 and is dropped by its
    // own first `advance` at 1, before any deadline timer exists.
    let ms = 0;
    const clock = { now: () => ms++, sleep: async () => {} };
    const queue = createPerKeyQueue({ maxDepth: 10, maxInFlight: 1 }, clock);
    expect((await queue("a", async () => 1, 1))._unsafeUnwrapErr()).toEqual({
      kind: "DeadlineExceeded",
    });
    await new Promise((resolve) => setImmediate(resolve));
    const gate = deferred();
    const running = queue("b", () => gate.promise);
    expect((await queue("c", async () => 1))._unsafeUnwrapErr()).toEqual({
      kind: "TooManyInFlight",
      limit: 1,
    });
    gate.resolve();
    await running;
  });

  it("runs a task that started before its deadline to its end", async () => {
    const clock = new FakeClock();
    const queue = createPerKeyQueue({ maxDepth: 10, maxInFlight: 10 }, clock);
    const gate = deferred();
    const running = queue("a", () => gate.promise.then(() => "done"), 100);
    await clock.advance(1_000);
    gate.resolve();
    expect((await running)._unsafeUnwrap()).toBe("done");
  });

  it("runs at most maxRunning tasks at once; a task waiting for a slot is dropped at its deadline", async () => {
    const clock = new FakeClock();
    const queue = createPerKeyQueue({ maxDepth: 10, maxInFlight: 10, maxRunning: 1 }, clock);
    const gate = deferred();
    const log: string[] = [];
    const first = queue("a", logThenWait(log, "a", gate.promise));
    const dropped = queue("b", async () => void log.push("b"), 100);
    const later = queue("c", async () => void log.push("c"), 1_000);
    await Promise.resolve();
    expect(log).toEqual(["a"]);
    await clock.sleeping(2);
    await clock.advance(100);
    expect((await dropped)._unsafeUnwrapErr()).toEqual({ kind: "DeadlineExceeded" });
    gate.resolve();
    await first;
    expect((await later).isOk()).toBe(true);
    expect(log).toEqual(["a", "c"]);
  });

  describe("with the run time it has learnt", () => {
    /** A queue whose tasks have taken 100 ms each: one task ran for 100 ms of the clock. */
    const learnt = async () => {
      const clock = new FakeClock();
      const queue = createPerKeyQueue({ maxDepth: 10, maxInFlight: 10 }, clock);
      const gate = deferred();
      const first = queue("warm-up", () => gate.promise);
      await clock.advance(100);
      gate.resolve();
      await first;
      return { clock, queue };
    };

    it("refuses at once a task that the tasks ahead of it would keep past its deadline", async () => {
      const { clock, queue } = await learnt();
      const gate = deferred();
      const ahead = [queue("a", () => gate.promise), queue("a", () => gate.promise)];
      const ran: string[] = [];
      // Two tasks of ~100 ms ahead, then its own 100 ms: it cannot end within 250 ms.
      const refused = await queue("a", async () => void ran.push("refused"), clock.now() + 250);
      expect(refused._unsafeUnwrapErr()).toEqual({ kind: "DeadlineExceeded" });
      // One that still fits is admitted.
      const admitted = queue("a", async () => "fits", clock.now() + 1_000);
      gate.resolve();
      await Promise.all(ahead);
      expect((await admitted)._unsafeUnwrap()).toBe("fits");
      expect(ran).toEqual([]);
    });

    it("drops a waiting task as soon as it could no longer end by its deadline, before the deadline", async () => {
      const { clock, queue } = await learnt();
      const gate = deferred();
      const running = queue("a", () => gate.promise);
      const waiting = queue("a", async () => "late", clock.now() + 500);
      await clock.sleeping(1);
      // It would start no earlier than now and run ~100 ms: past 400 ms it cannot make 500.
      await expectDroppedAfter(clock, waiting, 400);
      gate.resolve();
      await running;
    });
  });
});
