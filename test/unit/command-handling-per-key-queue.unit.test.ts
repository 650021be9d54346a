import { describe, expect, it } from "vitest";
import { createPerKeyQueue } from "../../services/command-handling/per-key-queue.js";

const deferred = () => {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

describe("per-key queue", () => {
  it("runs tasks of one key one after another, in arrival order", async () => {
    const queue = createPerKeyQueue();
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
    const queue = createPerKeyQueue();
    const gate = deferred();
    const blocked = queue("a", () => gate.promise);
    await expect(queue("b", async () => "b done")).resolves.toBe("b done");
    gate.resolve();
    await blocked;
  });

  it("keeps going after a task fails, and passes the failure to its caller only", async () => {
    const queue = createPerKeyQueue();
    const failing = queue("a", async () => {
      throw new Error("boom");
    });
    const next = queue("a", async () => 42);
    await expect(failing).rejects.toThrow("boom");
    await expect(next).resolves.toBe(42);
  });
});
