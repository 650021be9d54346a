import { describe, expect, it } from "vitest";
import { monitorEventLoop } from "../../services/http/load-shedding.js";
import { eventually } from "../support/eventually.js";

/** Keeps the event loop busy, as a CPU-bound burst of requests would. */
const blockEventLoop = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: no timer can fire meanwhile
  }
};

describe("event-loop monitor", () => {
  it("reports a loop kept busy as late and busy, and forgets it once the loop runs freely again", async () => {
    const monitor = monitorEventLoop({ windowMs: 100, resolutionMs: 10 });
    try {
      // Overload: every turn of the loop runs 60 ms of work, so every timer tick is late.
      let seen = 0;
      let busiest = 0;
      const until = performance.now() + 600;
      while (performance.now() < until) {
        blockEventLoop(60);
        await new Promise((resolve) => setImmediate(resolve));
        seen = Math.max(seen, monitor.delay());
        busiest = Math.max(busiest, monitor.busy());
      }
      expect(seen).toBeGreaterThanOrEqual(30);
      expect(busiest).toBeGreaterThanOrEqual(0.5);
      await eventually(async () => (monitor.delay() < 30 ? true : undefined), {
        what: "the delay to be forgotten",
      });
    } finally {
      monitor.stop();
    }
  });
});
