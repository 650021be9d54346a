/** Summary of a latency (or any) sample: the distribution and its spread, never one number. */
export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
  readonly stddev: number;
}

/** Nearest-rank percentile of an ascending array (p in [0, 100]). */
export const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
};

export const summarize = (samples: readonly number[]): Summary => {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = n === 0 ? Number.NaN : sorted.reduce((s, x) => s + x, 0) / n;
  const variance = n < 2 ? 0 : sorted.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  return {
    n,
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[n - 1] ?? Number.NaN,
    mean,
    stddev: Math.sqrt(variance),
  };
};

/** Least-squares slope of y over x (e.g. lag in ms per second of run); NaN with < 2 points. */
export const slope = (points: readonly { readonly x: number; readonly y: number }[]): number => {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  return sxx === 0 ? Number.NaN : sxy / sxx;
};

/** Splits an ordered sample into `parts` consecutive slices of (almost) equal length. */
export const slices = <T>(items: readonly T[], parts: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < parts; i++) {
    out.push(
      items.slice(
        Math.floor((i * items.length) / parts),
        Math.floor(((i + 1) * items.length) / parts),
      ),
    );
  }
  return out;
};

/** Rounds for display: 3 significant digits below 100, integers above. */
export const round = (x: number): number =>
  !Number.isFinite(x) ? x : Math.abs(x) >= 100 ? Math.round(x) : Number(x.toPrecision(3));

/** The middle of a sample (the upper of the two middles when even); NaN when empty. */
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** Repeated runs over the same number of events: the median run, its rate and the rates' range. */
export interface Throughput {
  readonly seconds: number;
  readonly perSecond: number;
  readonly minPerSecond: number;
  readonly maxPerSecond: number;
}

export const throughput = (events: number, seconds: readonly number[]): Throughput => {
  const rates = seconds.map((s) => events / s);
  return {
    seconds: median(seconds),
    perSecond: events / median(seconds),
    minPerSecond: Math.min(...rates),
    maxPerSecond: Math.max(...rates),
  };
};
