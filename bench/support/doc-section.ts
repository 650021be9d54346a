import { existsSync, readFileSync, writeFileSync } from "node:fs";

const TITLE =
  "# Benchmarks\n\nRun `npm run bench` (about 5 minutes) or `npm run bench:quick` (smoke). Each bench also runs alone: `npx tsx bench/<name>.bench.ts [--quick]`.\n";

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

/** The one writer of docs/benchmarks.md: replaces (or appends) one `## ` section, nothing else. */
export const writeDocSection = (heading: string, section: string): void => {
  const path = new URL("../../docs/benchmarks.md", import.meta.url);
  const before = existsSync(path) ? readFileSync(path, "utf8") : undefined;
  writeFileSync(path, replaceDocSection(before, heading, section));
};
