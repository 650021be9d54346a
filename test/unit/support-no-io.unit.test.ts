import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";

describe("the unit tier", () => {
  it("starts no infrastructure: the global setup did not run for it", () => {
    expect(inject("dynamodbEndpoint")).toBeUndefined();
    expect(inject("databaseUrl")).toBeUndefined();
  });

  it("refuses to start a child process", () => {
    expect(() => spawnSync("true")).toThrow(/unit tests do no I\/O/);
  });

  it("refuses to open a TCP connection", () => {
    expect(() => connect(5432, "127.0.0.1")).toThrow(/unit tests do no I\/O/);
  });
});

describe("test files", () => {
  // vitest.config.ts picks each tier by folder and suffix: a file named for another tier, or in
  // a subfolder, would silently never run.
  it("carry the suffix of the tier their folder names, so every one of them runs", () => {
    const suffix = { unit: ".unit", integration: ".int", e2e: ".e2e", deploy: ".deploy" };
    const test = join(import.meta.dirname, "..");
    const misplaced = (dir: string): string[] =>
      readdirSync(join(test, dir), { withFileTypes: true }).flatMap((d) => {
        const path = dir ? `${dir}/${d.name}` : d.name;
        if (d.isDirectory()) return misplaced(path);
        if (!d.name.endsWith(".test.ts")) return [];
        const tier = Object.entries(suffix).find(([folder]) => dir === folder);
        return tier && d.name.endsWith(`${tier[1]}.test.ts`) ? [] : [path];
      });
    expect(misplaced("")).toEqual([]);
  });
});
