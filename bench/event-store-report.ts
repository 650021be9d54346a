import { writeDocSection } from "./support/doc-section.js";
import { percentile } from "./support/stats.js";

/** The p-th percentile (nearest rank) of unsorted samples. */
export const pct = (xs: readonly number[], p: number): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    p,
  );

/** Replaces (or appends) the "## Event store" section of docs/benchmarks.md, nothing else. */
export const writeSection = (section: string): void => writeDocSection("## Event store", section);
