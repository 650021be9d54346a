import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** The p-th percentile (nearest rank) of `xs`. */
export const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

/** Replaces (or appends) the "## Event store" section of docs/benchmarks.md, nothing else. */
export const writeSection = (section: string): void => {
  const path = new URL("../docs/benchmarks.md", import.meta.url);
  const doc = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmarks\n";
  const start = doc.indexOf("## Event store\n");
  if (start === -1) {
    writeFileSync(path, `${doc.trimEnd()}\n\n${section}`);
    return;
  }
  const next = doc.indexOf("\n## ", start + 1);
  const rest = next === -1 ? "" : `\n${doc.slice(next + 1)}`;
  writeFileSync(path, `${doc.slice(0, start)}${section}${rest}`);
};
