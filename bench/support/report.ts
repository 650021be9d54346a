import { type BenchResult, goalMet } from "./result.js";

/** One bench's outcome as run.ts saw it. */
export interface BenchOutcome {
  readonly name: string;
  readonly exitCode: number | null;
  readonly seconds: number;
  /** 1-minute load average when it started: how busy the shared machine was. */
  readonly loadBefore: number;
  readonly result: BenchResult | undefined;
  /** Why there is no result (no line, unreadable line, crash, timeout). */
  readonly problem: string | undefined;
  /** The last lines of its output, shown when it gave no result. */
  readonly tail: string;
  /** The docs/benchmarks.md sections it rewrote (headings), from its output. */
  readonly sections: readonly string[];
}

export interface Machine {
  readonly cpus: string;
  readonly memory: string;
  readonly node: string;
  readonly os: string;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

/** 3 significant digits, thousands separated: benches may print raw floats. */
export const formatNumber = (x: number): string =>
  !Number.isFinite(x)
    ? String(x)
    : Math.abs(x) >= 100
      ? Math.round(x).toLocaleString("en-US")
      : String(Number(x.toPrecision(3)));

const verdict = (met: boolean | undefined) =>
  met === undefined ? "" : met ? "✅ met" : "❌ missed";

/** The results as one Markdown table, every bench's rows in run order. */
export const renderTable = (outcomes: readonly BenchOutcome[]): string => {
  const lines = ["| Bench | Figure | Value | Goal | Verdict | Note |", "|---|---|---|---|---|---|"];
  for (const o of outcomes) {
    if (!o.result) {
      const why = o.problem ?? "no machine-readable result";
      lines.push(
        `| ${o.name} | — | — | — | — | ${cell(`${why} (exit ${o.exitCode ?? "killed"}, ${Math.round(o.seconds)} s)`)} |`,
      );
      continue;
    }
    for (const r of o.result.rows) {
      const value =
        r.value === null ? "n/a" : `${formatNumber(r.value)}${r.unit ? ` ${r.unit}` : ""}`;
      lines.push(
        `| ${o.name} | ${cell(r.figure)} | ${cell(value)} | ${cell(r.goal ?? "")} | ${verdict(goalMet(r))} | ${cell(r.note ?? "")} |`,
      );
    }
  }
  return lines.join("\n");
};

/** The heading of the section bench/run.ts writes. */
export const LATEST_RUN = "## Latest run";

export interface SectionInput {
  readonly outcomes: readonly BenchOutcome[];
  readonly machine: Machine;
  readonly date: string;
  readonly command: string;
  readonly quick: boolean;
}

/** The generated part of docs/benchmarks.md: table, machine, date and the exact command. */
export const renderSection = (input: SectionInput): string => {
  const details = input.outcomes
    .filter((o) => !o.result && o.tail.trim() !== "")
    .map(
      (o) =>
        `<details><summary>${o.name}: last lines of output</summary>\n\n\`\`\`text\n${o.tail.trim()}\n\`\`\`\n\n</details>`,
    );
  const durations = input.outcomes
    .map(
      (o) =>
        `${o.name} ${Math.round(o.seconds)} s (exit ${o.exitCode ?? "killed"}, load ${o.loadBefore.toFixed(1)})`,
    )
    .join(", ");
  const sections = input.outcomes.flatMap((o) => o.sections);
  return [
    LATEST_RUN,
    "",
    "<!-- written by bench/run.ts: edit outside this section -->",
    "",
    `- Command: \`${input.command}\`${input.quick ? " (quick mode: smoke figures, not for comparison)" : ""}`,
    `- Date: ${input.date}`,
    `- Machine: ${input.machine.cpus}; ${input.machine.memory} memory; Node ${input.machine.node}; ${input.machine.os}`,
    `- Benches (duration, exit code, 1-min load average at start; load above the core count means the figures are noisy): ${durations}`,
    ...(sections.length > 0
      ? [`- Sections below rewritten by this run: ${sections.map((h) => `"${h}"`).join(", ")}`]
      : []),
    "",
    renderTable(input.outcomes),
    ...(details.length > 0 ? ["", ...details] : []),
  ].join("\n");
};
