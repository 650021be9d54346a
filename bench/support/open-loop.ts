import { sleep } from "./http.js";
import { round, slices, slope, summarize } from "./stats.js";

/** One tracked command: when it left (ms into the phase), its latency, and its lag if seen. */
export interface Sample {
  readonly sentAt: number;
  readonly commandMs: number;
  readonly lagMs: number | undefined;
}

export interface PhaseOptions {
  readonly rate: number;
  readonly seconds: number;
  readonly maxInFlight: number;
  /**
   * Sends command `i`; resolves with its latency, or undefined when it failed, and, for tracked
   * commands, a promise of its lag.
   */
  readonly send: (
    i: number,
  ) => Promise<{ readonly ms: number; readonly lag?: Promise<number | undefined> } | undefined>;
}

export interface Phase {
  readonly rate: number;
  readonly seconds: number;
  readonly samples: readonly Sample[];
  readonly commandMs: readonly number[];
  readonly failed: number;
  /** Commands not sent because `maxInFlight` were still waiting for an answer. */
  readonly skipped: number;
  /** Commands answered 2xx per second, from the first send to the last answer. */
  readonly achieved: number;
}

/** Open loop: commands leave on schedule whether or not earlier ones have answered. */
export const runOpenLoop = async (o: PhaseOptions): Promise<Phase> => {
  const tracked: Promise<Sample | undefined>[] = [];
  const commandMs: number[] = [];
  // Counters of the run, mutated by the sender loop and the answers.
  const n = { failed: 0, skipped: 0, inFlight: 0, sent: 0, answered: 0 };
  let lastAnswerAt = 0;
  const start = performance.now();
  const total = Math.round(o.seconds * o.rate);
  const fire = (i: number) => {
    n.inFlight += 1;
    const sentAt = performance.now() - start;
    const outcome = o.send(i).catch(() => undefined);
    tracked.push(
      outcome.then(async (r) => {
        n.inFlight -= 1;
        if (!r) {
          n.failed += 1;
          return undefined;
        }
        commandMs.push(r.ms);
        n.answered += 1;
        lastAnswerAt = performance.now();
        if (!r.lag) return undefined;
        return { sentAt, commandMs: r.ms, lagMs: await r.lag };
      }),
    );
  };
  while (n.sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * o.rate) + 1);
    for (; n.sent < due; n.sent++) {
      if (n.inFlight >= o.maxInFlight) n.skipped += 1;
      else fire(n.sent);
    }
    await sleep(2);
  }
  const samples = (await Promise.all(tracked)).filter((s): s is Sample => s !== undefined);
  const elapsedS = Math.max(o.seconds, (lastAnswerAt - start) / 1000);
  return {
    rate: o.rate,
    seconds: o.seconds,
    samples,
    commandMs,
    failed: n.failed,
    skipped: n.skipped,
    achieved: n.answered / elapsedS,
  };
};

/** Lag grows when the last third's p50 is over 1.5× the first's and more than 25 ms above it. */
export const analyseLag = (phase: Phase) => {
  const visible = phase.samples.flatMap((s) =>
    s.lagMs === undefined ? [] : [{ x: s.sentAt / 1000, y: s.lagMs }],
  );
  const thirds = slices(visible, 3).map((part) => summarize(part.map((p) => p.y)));
  const first = thirds[0]?.p50 ?? Number.NaN;
  const last = thirds[2]?.p50 ?? Number.NaN;
  const growth = last / first;
  return {
    lag: summarize(visible.map((p) => p.y)),
    command: summarize(phase.commandMs),
    thirds,
    /** p50 of the last third over p50 of the first third. */
    growth,
    /** Least-squares slope of lag over send time, ms per s. */
    trendMsPerS: slope(visible),
    grows: !(growth <= 1.5 || last - first < 25),
    invisible: phase.samples.length - visible.length,
  };
};

export type LagAnalysis = Readonly<ReturnType<typeof analyseLag>>;

export const describePhase = (p: Phase, a: LagAnalysis): string[] => [
  `  at ${p.rate}/s: achieved ${round(p.achieved)} commands/s; ${p.failed} failed, ${p.skipped} skipped (too many in flight)`,
  `  command p50 ${round(a.command.p50)} ms p99 ${round(a.command.p99)} ms max ${round(a.command.max)} ms`,
  `  lag n=${a.lag.n} p50 ${round(a.lag.p50)} ms p90 ${round(a.lag.p90)} p99 ${round(a.lag.p99)} max ${round(a.lag.max)} stddev ${round(a.lag.stddev)}; never visible: ${a.invisible}`,
  `  lag p50 by third: ${a.thirds.map((t) => round(t.p50)).join(" / ")} ms; trend ${round(a.trendMsPerS)} ms per s`,
];
