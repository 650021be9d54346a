import { existsSync, readFileSync, writeFileSync } from "node:fs";

const TITLE =
  "# Benchmarks\n\nRun `npm run bench` (about 5 minutes; rewrites every section a bench writes) or `npm run bench:quick` (smoke; writes nothing). Each bench also runs alone: `npx tsx bench/<name>.bench.ts [--quick] [--no-write]`.\n";

/**
 * Pure: `document` with its `heading` section (e.g. "## Event store", up to the next `## `
 * heading) replaced by `section`, or `section` appended when there is none yet; everything other
 * people wrote around it stays. `section` starts with its heading.
 */
export const replaceDocSection = (
  document: string | undefined,
  heading: string,
  section: string,
): string => {
  const doc = document === undefined || document.trim() === "" ? TITLE : document;
  const body = `${section.trimEnd()}\n`;
  const start = doc.startsWith(`${heading}\n`) ? 0 : doc.indexOf(`\n${heading}\n`) + 1;
  if (start === 0 && !doc.startsWith(`${heading}\n`)) return `${doc.trimEnd()}\n\n${body}`;
  // From the heading to the next one (or the end).
  const next = doc.indexOf("\n## ", start + 1);
  const rest = next === -1 ? "" : `\n${doc.slice(next + 1)}`;
  return `${doc.slice(0, start)}${body}${rest}`;
};

const WROTE = "wrote docs/benchmarks.md ";

/** The line a bench prints for each section it wrote; bench/run.ts reads them back. */
export const wroteLine = (heading: string): string => `${WROTE}(${heading})`;

/** Pure: the headings of the sections a bench's output says it wrote, in order. */
export const writtenSections = (output: string): string[] =>
  output
    .split(/\r?\n/)
    .filter((l) => l.startsWith(WROTE) && l.endsWith(")"))
    .map((l) => l.slice(WROTE.length + 1, -1));

/**
 * The one writer of docs/benchmarks.md: replaces (or appends) one `## ` section, nothing else,
 * and says so on stdout. Callers decide with `BenchArgs.write` (bench/support/args.ts).
 */
export const writeDocSection = (heading: string, section: string): void => {
  const path = new URL("../../docs/benchmarks.md", import.meta.url);
  const before = existsSync(path) ? readFileSync(path, "utf8") : undefined;
  writeFileSync(path, replaceDocSection(before, heading, section));
  console.log(wroteLine(heading));
};
