/**
 * The result protocol between a benchmark and bench/run.ts: a bench prints, as its last line
 * of output, `BENCH_RESULT <json>` with the rows below. A bench that prints no such line is
 * still run and reported ("no machine-readable result").
 */
export const RESULT_PREFIX = "BENCH_RESULT ";

export interface BenchRow {
  /** What is measured, e.g. "command latency p50 / raw TransactWriteItems p50". */
  readonly figure: string;
  /** The number the goal is about (null when it could not be measured). */
  readonly value: number | null;
  readonly unit: string;
  /** The goal as written in the issue, e.g. "≤ 1.25" or "≥ 5000"; absent for context rows. */
  readonly goal?: string;
  /** A ratio against a baseline measured in the same run, when the value is not one already. */
  readonly ratio?: number;
  /** Set by the bench when the goal is not a simple comparison; otherwise derived from goal. */
  readonly met?: boolean;
  readonly note?: string;
}

export interface BenchResult {
  readonly bench: string;
  readonly quick: boolean;
  readonly rows: readonly BenchRow[];
}

export const formatResultLine = (result: BenchResult): string =>
  `${RESULT_PREFIX}${JSON.stringify(result)}`;

/** Prints the result line; call once, at the very end of a bench. */
export const emitResult = (result: BenchResult): void => {
  process.stdout.write(`\n${formatResultLine(result)}\n`);
};

export type ParsedResult =
  | { readonly ok: true; readonly result: BenchResult }
  | { readonly ok: false; readonly reason: string };

const isRow = (r: unknown): r is BenchRow => {
  if (typeof r !== "object" || r === null) return false;
  const o = r as Record<string, unknown>;
  return (
    typeof o.figure === "string" &&
    (typeof o.value === "number" || o.value === null) &&
    typeof o.unit === "string" &&
    (o.goal === undefined || typeof o.goal === "string") &&
    (o.ratio === undefined || typeof o.ratio === "number") &&
    (o.met === undefined || typeof o.met === "boolean") &&
    (o.note === undefined || typeof o.note === "string")
  );
};

/** Finds the last result line in a bench's output; tolerant of everything else it printed. */
export const parseResultOutput = (output: string): ParsedResult => {
  const line = output
    .split(/\r?\n/)
    .reverse()
    .find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined) return { ok: false, reason: "no machine-readable result" };
  let json: unknown;
  try {
    json = JSON.parse(line.slice(RESULT_PREFIX.length));
  } catch (e) {
    return { ok: false, reason: `unreadable result line: ${(e as Error).message}` };
  }
  const o = json as Record<string, unknown>;
  if (typeof o?.bench !== "string" || !Array.isArray(o.rows)) {
    return { ok: false, reason: "result line lacks bench or rows" };
  }
  const bad = o.rows.findIndex((r) => !isRow(r));
  if (bad >= 0) return { ok: false, reason: `result row ${bad} is malformed` };
  return {
    ok: true,
    result: { bench: o.bench, quick: o.quick === true, rows: o.rows as BenchRow[] },
  };
};

/** "≤ 1.25", "<= 150 ms", "≥ 5,000 events/s" → a comparison; undefined when not that simple. */
export const parseGoal = (
  goal: string,
): { readonly op: "<=" | ">="; readonly threshold: number } | undefined => {
  const m = /^\s*(≤|<=|≥|>=)\s*([0-9][0-9,_]*(?:\.[0-9]+)?)/.exec(goal);
  if (!m?.[1] || !m[2]) return undefined;
  const op = m[1] === "≤" || m[1] === "<=" ? "<=" : ">=";
  return { op, threshold: Number(m[2].replace(/[,_]/g, "")) };
};

/** Whether a row meets its goal: the bench's own verdict first, else the parsed comparison. */
export const goalMet = (row: BenchRow): boolean | undefined => {
  if (row.met !== undefined) return row.met;
  if (row.goal === undefined || row.value === null) return undefined;
  const g = parseGoal(row.goal);
  if (!g) return undefined;
  return g.op === "<=" ? row.value <= g.threshold : row.value >= g.threshold;
};
