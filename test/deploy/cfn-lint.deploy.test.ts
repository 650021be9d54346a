/**
 * Every addon template passes cfn-lint (the Python linter: property names, types, GetAtt
 * targets, RDS engine versions), merged per folder as Copilot deploys them (an environment
 * addon may name another's resource). Absent cfn-lint fails the test on CI and warns loudly
 * elsewhere.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { expect, it } from "vitest";
import { addonGroups, allAddonPaths, mergeAddons, repoRoot } from "./support/workspace.js";

const cfnLintVersion = (): string | undefined => {
  try {
    return execFileSync("cfn-lint", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
};

const BROKEN = `Resources:
  T:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchemaa: []
`;

// cfn-lint loads its resource schemas on start (~10 s alone, several times that on a busy runner).
it("cfn-lint finds nothing in the addon templates, and does flag a broken one", {
  timeout: 180_000,
}, () => {
  const templates = allAddonPaths();
  expect(templates.length).toBeGreaterThanOrEqual(3);
  if (!cfnLintVersion()) {
    const msg = "cfn-lint NOT FOUND: the addon templates were NOT linted (pip install cfn-lint)";
    console.warn(`\n${"!".repeat(msg.length)}\n${msg}\n${"!".repeat(msg.length)}\n`);
    expect(process.env.CI, msg).toBeFalsy();
    return;
  }
  // One run (cfn-lint starts slowly): the merged templates plus a known-broken control file.
  const dir = mkdtempSync(join(tmpdir(), "cfn-lint-"));
  const control = join(dir, "broken.yml");
  writeFileSync(control, BROKEN);
  const merged = addonGroups().map((g) => {
    const path = join(dir, `${g.name}-addons.json`);
    writeFileSync(path, JSON.stringify(mergeAddons(g.paths), null, 1));
    return path;
  });
  try {
    // Copilot requires App/Env/Name parameters even where a template does not use them: W2001.
    const run = spawnSync(
      "cfn-lint",
      ["-r", "us-east-1", "--ignore-checks", "W2001", "--", ...merged, control],
      { encoding: "utf8", cwd: repoRoot },
    );
    const findings = `${run.stdout}${run.stderr}`
      .split("\n\n")
      .map((f) => f.trim())
      .filter(Boolean);
    const own = findings.filter((f) => !f.includes(control));
    expect(own, `cfn-lint on ${templates.map((t) => relative(repoRoot, t)).join(", ")}`).toEqual(
      [],
    );
    expect(findings.join("\n")).toMatch(/KeySchemaa/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
