import { describe, expect, it } from "vitest";
import { benchArgs } from "../../bench/support/args.js";
import { packageOf, summarizeProfile } from "../../bench/support/cpu-profile.js";
import { replaceDocSection, writtenSections, wroteLine } from "../../bench/support/doc-section.js";
import { analyseLag } from "../../bench/support/open-loop.js";
import { formatNumber, renderSection, renderTable } from "../../bench/support/report.js";
import * as protocol from "../../bench/support/result.js";
import {
  median,
  percentile,
  slices,
  slope,
  summarize,
  throughput,
} from "../../bench/support/stats.js";

// The harness pieces that need no infrastructure; the benchmarks themselves never run in tests.
describe("stats", () => {
  it("takes nearest-rank percentiles of 1..100", () => {
    const s = summarize(Array.from({ length: 100 }, (_, i) => 100 - i));
    expect([s.min, s.p50, s.p90, s.p99, s.max]).toEqual([1, 50, 90, 99, 100]);
    expect(s.n).toBe(100);
    expect(s.mean).toBe(50.5);
  });

  it("gives the sample standard deviation", () => {
    expect(summarize([2, 4, 4, 4, 5, 5, 7, 9]).stddev).toBeCloseTo(2.138, 3);
    expect(summarize([7]).stddev).toBe(0);
  });

  it("answers NaN for an empty sample instead of inventing a number", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(summarize([]).p99).toBeNaN();
  });

  it("takes the middle run of repeated drains, and the range of their rates", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(3);
    expect(median([])).toBeNaN();
    expect(throughput(1_000, [4, 2, 5])).toEqual({
      seconds: 4,
      perSecond: 250,
      minPerSecond: 200,
      maxPerSecond: 500,
    });
  });

  it("finds the slope of a growing lag and splits a run into thirds", () => {
    expect(slope([0, 1, 2, 3].map((x) => ({ x, y: 10 + 5 * x })))).toBeCloseTo(5);
    expect(slices([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([
      [1, 2],
      [3, 4],
      [5, 6, 7],
    ]);
  });
});

describe("result protocol", () => {
  const result = {
    bench: "demo",
    quick: true,
    rows: [{ figure: "ratio", value: 1.1, unit: "×", goal: "≤ 1.25" }],
  };

  it("reads the last result line among any other output", () => {
    const out = `starting\n${protocol.formatResultLine({ ...result, bench: "old" })}\nnoise\n${protocol.formatResultLine(result)}\n`;
    expect(protocol.parseResultOutput(out)).toEqual({ ok: true, result });
  });

  it("reports a bench that prints no result line, or a broken one", () => {
    expect(protocol.parseResultOutput("done in 3 s\n")).toEqual({
      ok: false,
      reason: "no machine-readable result",
    });
    expect(protocol.parseResultOutput("BENCH_RESULT {oops").ok).toBe(false);
    expect(
      protocol.parseResultOutput('BENCH_RESULT {"bench":"x","rows":[{"figure":1}]}'),
    ).toMatchObject({
      ok: false,
      reason: "result row 0 is malformed",
    });
  });

  it("derives a verdict from simple goals and keeps the bench's own otherwise", () => {
    expect(protocol.parseGoal("≥ 5,000 events/s")).toEqual({ op: ">=", threshold: 5000 });
    expect(protocol.parseGoal("<= 150 ms")).toEqual({ op: "<=", threshold: 150 });
    expect(protocol.parseGoal("does not grow")).toBeUndefined();
    expect(protocol.goalMet({ figure: "f", value: 1.3, unit: "×", goal: "≤ 1.25" })).toBe(false);
    expect(protocol.goalMet({ figure: "f", value: 6000, unit: "/s", goal: "≥ 5000" })).toBe(true);
    expect(
      protocol.goalMet({ figure: "f", value: 2, unit: "×", goal: "no growth", met: true }),
    ).toBe(true);
    expect(protocol.goalMet({ figure: "f", value: null, unit: "ms", goal: "≤ 1" })).toBeUndefined();
  });
});

describe("report", () => {
  const outcomes = [
    {
      name: "mine",
      exitCode: 0,
      seconds: 12,
      loadBefore: 0.5,
      result: {
        bench: "mine",
        quick: false,
        rows: [{ figure: "p50", value: 120, unit: "ms", goal: "≤ 150" }],
      },
      problem: undefined,
      tail: "",
      sections: ["## Mine"],
    },
    {
      name: "theirs",
      exitCode: 0,
      seconds: 30,
      loadBefore: 0.5,
      result: undefined,
      problem: undefined,
      tail: "42 ops/s",
      sections: [],
    },
  ];

  it("shows benches without a result line as such, with their output", () => {
    const table = renderTable(outcomes);
    expect(table).toContain("| mine | p50 | 120 ms | ≤ 150 | ✅ met |");
    expect(table).toContain(
      "| theirs | — | — | — | — | no machine-readable result (exit 0, 30 s) |",
    );
    const section = renderSection({
      outcomes,
      machine: { cpus: "2 × CPU", memory: "24 GiB", node: "v20.20.2", os: "linux" },
      date: "2026-11-29T06:00:00Z",
      command: "npm run bench",
      quick: false,
    });
    expect(section).toContain("- Command: `npm run bench`");
    expect(section).toContain("42 ops/s");
    expect(section).toContain('- Sections below rewritten by this run: "## Mine"\n');
  });

  it("prints raw floats with three significant digits", () => {
    expect([4.133635000001959, 12.48, 0.2910001, 1234.5].map(formatNumber)).toEqual([
      "4.13",
      "12.5",
      "0.291",
      "1,235",
    ]);
  });

  it("replaces only its own section and keeps what others wrote around it", () => {
    const doc = "# Benchmarks\n\nintro\n\n## Latest run\nold\n\n## Projection\nmine\n";
    const next = replaceDocSection(doc, "## Latest run", "## Latest run\nnew\n");
    expect(next).toBe("# Benchmarks\n\nintro\n\n## Latest run\nnew\n\n## Projection\nmine\n");
    // The last section, too, and a heading that merely starts the same is another section.
    expect(replaceDocSection(next, "## Projection", "## Projection\nours")).toBe(
      "# Benchmarks\n\nintro\n\n## Latest run\nnew\n\n## Projection\nours\n",
    );
    expect(
      replaceDocSection("# B\n\n## Latest runs\nx\n", "## Latest run", "## Latest run\nS"),
    ).toBe("# B\n\n## Latest runs\nx\n\n## Latest run\nS\n");
    expect(replaceDocSection("# B\n\n## Other\n", "## S", "## S")).toBe(
      "# B\n\n## Other\n\n## S\n",
    );
    expect(replaceDocSection(undefined, "## S", "## S")).toContain("# Benchmarks");
  });
});

describe("recording in docs/benchmarks.md", () => {
  it("is one rule for every bench and bench/run.ts: a full run writes, --quick never does", () => {
    expect(benchArgs([]).write).toBe(true);
    expect(benchArgs(["--write"]).write).toBe(true);
    expect(benchArgs(["--no-write"]).write).toBe(false);
    expect(benchArgs(["--quick"]).write).toBe(false);
    expect(benchArgs(["--quick", "--no-write"]).write).toBe(false);
  });

  it("refuses --write where it cannot hold, before any run", () => {
    expect(() => benchArgs(["--quick", "--write"])).toThrow(/never writes/);
    expect(() => benchArgs(["--write", "--no-write"])).toThrow(/--no-write/);
  });

  it("reads back from a bench's output which sections it wrote", () => {
    const output = [
      "[noise] wrote docs/benchmarks.md (## Not at line start)",
      wroteLine("## Stream consumer"),
      "wrote scripts/cost/measured.json (unitsPerCommand)",
      wroteLine("## Stream consumer on Kinesis (2 workers)"),
      'BENCH_RESULT {"bench":"x","rows":[]}',
    ].join("\n");
    expect(writtenSections(output)).toEqual([
      "## Stream consumer",
      "## Stream consumer on Kinesis (2 workers)",
    ]);
    expect(writtenSections("no sections\n")).toEqual([]);
  });
});

describe("profile summary", () => {
  it("charges self time to functions, packages and the innermost project frame", () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame("(root)", ""), children: [2, 4] },
        {
          id: 2,
          callFrame: frame("handle", "file:///app/services/command-api/app.ts"),
          children: [3],
        },
        { id: 3, callFrame: frame("send", "file:///app/node_modules/@smithy/core/index.js") },
        { id: 4, callFrame: frame("(idle)", "") },
      ],
      samples: [3, 3, 2, 4],
      timeDeltas: [1000, 1000, 1000, 5000],
    };
    const s = summarizeProfile(profile);
    expect(s.totalMs).toBe(3);
    expect(s.selfByPackage[0]).toMatchObject({ key: "@smithy/core", ms: 2 });
    expect(s.byProjectFrame[0]).toMatchObject({ ms: 3 });
    expect(s.byProjectFrame[0]?.key).toContain("handle");
    expect(packageOf("node:net", "writev")).toBe("node:internal");
  });
});

describe("lag analysis", () => {
  const phase = (lags: (number | undefined)[]) => ({
    rate: 10,
    seconds: 3,
    samples: lags.map((lagMs, i) => ({ sentAt: i * 100, commandMs: 5, lagMs })),
    commandMs: lags.map(() => 5),
    failed: 0,
    skipped: 0,
    achieved: 10,
  });

  it("sees a lag that climbs through the run as growing", () => {
    const a = analyseLag(phase([20, 20, 20, 60, 60, 60, 200, 200, 200]));
    expect(a.growth).toBe(10);
    expect(a.grows).toBe(true);
  });

  it("does not call jitter of a few milliseconds growth, and counts changes never seen", () => {
    const a = analyseLag(phase([10, 12, 11, 14, 10, 13, 18, 17, undefined]));
    expect(a.grows).toBe(false);
    expect(a.invisible).toBe(1);
  });
});
