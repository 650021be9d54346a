import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** Replaces (or appends) the `heading` section (e.g. "## Event store") of docs/benchmarks.md, nothing else. */
export const writeDocSection = (heading: string, section: string): void => {
  const path = new URL("../../docs/benchmarks.md", import.meta.url);
  const doc = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmarks\n";
  const start = doc.indexOf(`${heading}\n`);
  if (start === -1) {
    writeFileSync(path, `${doc.trimEnd()}\n\n${section}`);
    return;
  }
  const next = doc.indexOf("\n## ", start + 1);
  const rest = next === -1 ? "" : `\n${doc.slice(next + 1)}`;
  writeFileSync(path, `${doc.slice(0, start)}${section}${rest}`);
};
