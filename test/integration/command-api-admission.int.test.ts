import { ResultAsync } from "neverthrow";
import { afterEach, describe, expect, it } from "vitest";
import { PROBLEM_BASE } from "../../services/http/problem.js";
import { createCommandApiHarness, type Harness } from "../support/command-api-harness.js";
import { FakeClock } from "../support/fake-clock.js";
import { presetCaller } from "../support/preset-caller.js";
import { expectProblem } from "../support/problem.js";

const deferred = () => {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

const expectOverloaded = async (res: Response, reason: string) => {
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect(await expectProblem(res, 503, "overloaded")).toMatchObject({ reason });
};

/**
 * A harness whose saves wait for `gate` once `hold` is on: commands then pile up in the
 * per-item queues the way they do when DynamoDB is slow.
 */
const gatedHarness = async (options: Parameters<typeof createCommandApiHarness>[0] = {}) => {
  const state = { hold: false, gate: deferred(), saves: 0 };
  const h = await createCommandApiHarness({
    ...options,
    wrap: (real) => ({
      load: (id, o) => real.load(id, o),
      findIdempotency: (k) => real.findIdempotency(k),
      save: (...args) => {
        if (!state.hold) return real.save(...args);
        state.saves += 1;
        return ResultAsync.fromSafePromise(state.gate.promise).andThen(() => real.save(...args));
      },
    }),
  });
  return { h, state };
};

describe("admission control on the command API", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.drop();
    h = undefined;
  });

  it("answers 503 with Retry-After beyond an item's queue depth, and runs only what it admitted", async () => {
    const g = await gatedHarness({ admission: { maxDepth: 2, maxInFlight: 100 } });
    h = g.h;
    const id = await h.register();
    const before = await h.journalSize();
    g.state.hold = true;
    const admitted = [1, 2].map((n) => h?.post(`/commands/items/${id}/change-price`, { price: n }));
    await expectOverloaded(
      await h.post(`/commands/items/${id}/change-price`, { price: 3 }),
      "QueueFull",
    );
    // Another item is not queued behind the hot one.
    g.state.hold = false;
    expect((await h.post("/commands/items", { name: "Cold", price: 1 })).status).toBe(201);
    g.state.hold = true;
    g.state.gate.resolve();
    for (const res of await Promise.all(admitted)) expect(res?.status).toBe(200);
    expect(await h.journalSize()).toBe(before + 3);
    const prices = (await h.journal.readStream(id)).events.map((e) => e.event);
    expect(prices.filter((e) => e.type === "ItemPriceChanged")).toHaveLength(2);
  });

  it("sheds commands with 503 while its busy event loop runs late, before authentication, and keeps health up", async () => {
    const state = { lateMs: 0, busy: 1, doorChecks: 0 };
    const counting = presetCaller();
    h = await createCommandApiHarness({
      shedding: {
        delay: () => state.lateMs,
        maxDelayMs: 200,
        busy: () => state.busy,
        minBusy: 0.9,
      },
      access: {
        require: (...args) => {
          const door = counting.require(...args);
          return (c, next) => {
            state.doorChecks += 1;
            return door(c, next);
          };
        },
      },
    });
    const id = await h.register();
    const before = await h.journalSize();
    state.lateMs = 201;
    state.doorChecks = 0;
    await expectOverloaded(
      await h.post(`/commands/items/${id}/receive-stock`, { quantity: 1 }),
      "EventLoopDelay",
    );
    await expectOverloaded(
      await h.post("/commands/items", { name: "N", price: 1 }),
      "EventLoopDelay",
    );
    expect(state.doorChecks).toBe(0);
    expect(await h.journalSize()).toBe(before);
    expect((await h.app.request("/commands/healthz")).status).toBe(200);
    state.lateMs = 200;
    expect((await h.post(`/commands/items/${id}/receive-stock`, { quantity: 1 })).status).toBe(200);
    // Late ticks of a loop that is mostly idle: other processes hold the CPU, no backlog of ours.
    state.lateMs = 201;
    state.busy = 0.89;
    expect((await h.post(`/commands/items/${id}/receive-stock`, { quantity: 1 })).status).toBe(200);
  });

  it("answers 503 beyond the global in-flight cap, whatever the item", async () => {
    const g = await gatedHarness({ admission: { maxDepth: 32, maxInFlight: 2 } });
    h = g.h;
    const [a, b, c] = [await h.register(), await h.register(), await h.register()];
    g.state.hold = true;
    const admitted = [a, b].map((id) => h?.post(`/commands/items/${id}/rename`, { name: "N" }));
    await expectOverloaded(
      await h.post(`/commands/items/${c}/rename`, { name: "N" }),
      "TooManyInFlight",
    );
    g.state.gate.resolve();
    for (const res of await Promise.all(admitted)) expect(res?.status).toBe(200);
  });

  it("answers a queued command at its deadline with 503 and never runs it afterwards", async () => {
    const clock = new FakeClock();
    const g = await gatedHarness({ requestDeadlineMs: 10_000, clock });
    h = g.h;
    const id = await h.register();
    g.state.hold = true;
    const first = h.post(`/commands/items/${id}/rename`, { name: "First" });
    const late = h.post(`/commands/items/${id}/rename`, { name: "Late" });
    await clock.sleeping(1);
    await clock.advance(10_000);
    // Answered while the command ahead of it still runs.
    await expectOverloaded(await late, "DeadlineExceeded");
    expect(g.state.saves).toBe(1);
    g.state.gate.resolve();
    expect((await first).status).toBe(200);
    const names = (await h.journal.readStream(id)).events.map((e) => e.event);
    expect(names.map((e) => e.type)).toEqual(["ItemRegistered", "ItemRenamed"]);
    expect(names[1]).toMatchObject({ data: { name: "First" } });
  });

  it("answers 503 with Retry-After when DynamoDB throttles, not 500", async () => {
    h = await createCommandApiHarness({
      wrap: (real) => ({
        load: () =>
          Promise.reject(
            Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }),
          ),
        findIdempotency: (k) => real.findIdempotency(k),
        save: (...args) => real.save(...args),
      }),
    });
    const res = await h.post(`/commands/items/0193c0de-0000-7000-8000-0000000000ff/rename`, {
      name: "x",
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ type: `${PROBLEM_BASE}unavailable` });
    expect(JSON.stringify(body)).not.toContain("Rate exceeded");
  });
});
