import { writeDocSection } from "./support/doc-section.js";

/** The p-th percentile (nearest rank) of `xs`. */
export const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

/** Replaces (or appends) the "## Event store" section of docs/benchmarks.md, nothing else. */
export const writeSection = (section: string): void => writeDocSection("## Event store", section);
