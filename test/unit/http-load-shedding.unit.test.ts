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
  it("reports a blocked event loop as late, and forgets it once the loop runs freely again", async () => {
    const monitor = monitorEventLoop({ windowMs: 50, resolutionMs: 10 });
    try {
      // Node measures the gap between two of its timer ticks: let the first tick happen.
      await eventually(async () => (monitor.delay() > 0 ? true : undefined), {
        what: "a first measurement",
      });
      blockEventLoop(300);
      // At least the time it was blocked, however loaded the machine is.
      const late = await eventually(
        async () => (monitor.delay() >= 250 ? monitor.delay() : undefined),
        {
          what: "the blocked loop to be seen",
        },
      );
      expect(late).toBeGreaterThanOrEqual(250);
      await eventually(async () => (monitor.delay() < 250 ? true : undefined), {
        what: "the delay to be forgotten",
      });
    } finally {
      monitor.stop();
    }
  });
});
