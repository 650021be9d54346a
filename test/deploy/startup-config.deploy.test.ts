/**
 * Each deployable validates its configuration at start-up and reports every missing or
 * malformed variable in one readable error, both through readConfig and from its real main.ts.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { type ConfigVar, readConfigSpec } from "../../deploy-facts/config-spec.js";
import { deployables } from "../../deploy-facts/deployables.js";
import { ConfigError, ConfigProblem, readConfig } from "../../services/config/env.js";
import { repoRoot } from "./support/workspace.js";

/** Values that some spec rejects: a malformed value for a var is the first one its parser refuses. */
const MALFORMED = ["not-a-number", "-1", "1.5", "99999999999999999999", "{not json"];
const malformedValue = (v: ConfigVar): string | undefined =>
  MALFORMED.find((raw) => v.spec.parse(raw, v.name) instanceof ConfigProblem);

const all = deployables(repoRoot);

describe.each(all.map((d) => [d.name, d] as const))("%s", (_name, d) => {
  it("lists every missing and every malformed variable in one error", async () => {
    const config = await readConfigSpec(repoRoot, d.main);
    const spec = Object.fromEntries(config.map((c) => [c.name, c.spec]));
    const env: Record<string, string> = {};
    const expected: string[] = [];
    for (const c of config) {
      const bad = malformedValue(c);
      if (bad !== undefined) {
        env[c.name] = bad;
        expected.push(c.name);
      } else if (c.required) expected.push(c.name);
    }
    let error: unknown;
    try {
      readConfig(env, spec);
    } catch (e) {
      error = e;
    }
    if (expected.length === 0) return expect(error).toBeUndefined();
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(expected.length);
    for (const name of expected) expect(problems.some((p) => p.startsWith(name))).toBe(true);
  });
});

describe.each(all.filter((d) => d.kind === "service").map((d) => [d.name, d] as const))(
  "%s main.ts",
  (_name, d) => {
    it("exits at start-up with the readable error when required variables are absent", async () => {
      const required = (await readConfigSpec(repoRoot, d.main)).filter((c) => c.required);
      const run = spawnSync(process.execPath, ["--import", "tsx", d.main], {
        cwd: repoRoot,
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
        timeout: 30_000,
      });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain("invalid configuration");
      for (const c of required) expect(run.stderr).toContain(`${c.name} is required`);
    });
  },
);

describe("readConfig itself", () => {
  it("collects problems of several kinds instead of stopping at the first", async () => {
    const { int, str, databaseUrl } = await import("../../services/config/env.js");
    const spec = { A: str(), B: int(1, 1, 10), C: databaseUrl(), D: str("ok") };
    expect(() => readConfig({ B: "11", C: "{broken" }, spec)).toThrow(
      [
        "invalid configuration:",
        "  - A is required",
        '  - B must be an integer between 1 and 10, got "11"',
        "  - C is neither a URL nor a JSON secret",
      ].join("\n"),
    );
  });
});
