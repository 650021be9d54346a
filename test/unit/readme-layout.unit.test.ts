import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");
/** Not ours to describe folder by folder: generated code, fixtures, one Copilot folder per service. */
const OPAQUE = ["services/gen", "test/fixtures", "copilot"];
const SKIP = new Set(["node_modules", "dist", "coverage", "cdk.out"]);

const folders = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true })
    .filter(
      (d) => d.isDirectory() && !SKIP.has(d.name) && (!d.name.startsWith(".") || d.name === ".ci"),
    )
    .flatMap((d) => {
      const path = dir ? `${dir}/${d.name}` : d.name;
      return OPAQUE.includes(path) ? [path] : [path, ...folders(path)];
    });

const layout = (): { rows: string[][]; paths: string[] } => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Layout"), readme.indexOf("## Libraries chosen"));
  const rows = section
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) =>
      l.split(" | ").map((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? "")),
    );
  const paths = rows.flatMap((r) => r[0] ?? []).map((p) => p.replace(/\/$/, ""));
  return { rows: rows.map((r) => r.flat()), paths };
};

describe("the README's layout table", () => {
  it("lists every folder: by its path, as a child named in its parent's row, or as the parent of one listed", () => {
    const { rows, paths } = layout();
    const listed = (folder: string): boolean =>
      paths.some((p) => p === folder || p.startsWith(`${folder}/`)) ||
      rows.some((tokens) => {
        const owner = (tokens[0] ?? "").replace(/\/$/, "");
        if (!folder.startsWith(`${owner}/`)) return false;
        const rel = relative(owner, folder);
        return tokens.includes(`${rel}/`) || tokens.includes(rel);
      });
    expect(folders("").filter((f) => !listed(f))).toEqual([]);
  });
});
