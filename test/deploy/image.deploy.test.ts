/**
 * The container image as the code needs it: the Dockerfile's shape, the entry script's mapping
 * from command to deployable, and production dependencies covering every package the
 * deployables import (the prod-smoke CI step proves the same by running the built output).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { moduleClosure } from "../../deploy-facts/code-graph.js";
import { deployables } from "../../deploy-facts/deployables.js";
import { repoRoot } from "./support/workspace.js";

const read = (p: string) => readFileSync(join(repoRoot, p), "utf8");
const all = deployables(repoRoot);

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const final = stages.at(-1) ?? "";
  const arg = (name: string) => new RegExp(`^ARG ${name}=(\\S+)`, "m").exec(dockerfile)?.[1];

  it("builds in one stage and runs from another", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(final).toMatch(/COPY --from=build .*\/dist/);
    expect(final).not.toMatch(/npm run build|npm ci(?! --omit=dev)/);
  });

  it("runs on a Node LTS slim image", () => {
    const expand = (v: string): string =>
      v.replace(/\$\{(\w+)\}/g, (_, n: string) => expand(arg(n) ?? ""));
    const base = expand((final.split("\n")[0] ?? "").split(" ")[0] ?? "");
    const m = /^node:(\d+)(?:\.\d+\.\d+)?-(?:\w+-)?slim(@sha256:[0-9a-f]{64})?$/.exec(base);
    expect(m, `final stage base ${base}`).not.toBeNull();
    expect(Number(m?.[1]) % 2, "even Node majors are the LTS lines").toBe(0);
  });

  it("names the one Node version that CI, .nvmrc, engines and @types/node follow", () => {
    const version = arg("NODE_VERSION") ?? "";
    const major = version.split(".")[0];
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(read(".nvmrc").trim()).toBe(major);
    const pkg = JSON.parse(read("package.json"));
    expect(pkg.devDependencies["@types/node"].split(".")[0]).toBe(major);
    const engineMin = Number(/>=\s*(\d+)/.exec(pkg.engines.node)?.[1]);
    expect(engineMin).toBeLessThanOrEqual(Number(major));
    expect(read(".ci/run")).toMatch(/sed -n 's\/\^ARG NODE_VERSION=\/\/p' Dockerfile/);
  });

  it("runs as a non-root user behind an init process, in exec form", () => {
    const user = /^USER (\S+)/m.exec(final)?.[1];
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user);
    const entry = /^ENTRYPOINT (\[.*\])$/m.exec(final)?.[1];
    const argv = JSON.parse(entry ?? "null") as string[] | null;
    expect(argv?.[0]).toMatch(/tini$/);
    expect(argv).toContain("/app/docker-entrypoint.sh");
  });

  it("keeps dev-only code out of the build context", () => {
    // dev/ lives outside services/, so neither the context nor the build lists it.
    const ignore = read(".dockerignore").split("\n");
    expect(ignore.filter((l) => /^!?dev\b/.test(l))).toEqual([]);
    expect(ignore).toContain("*");
    const build = JSON.parse(read("tsconfig.build.json")) as { include: string[] };
    expect(build.include).toEqual(["services"]);
  });
});

describe("entry script", () => {
  // A stand-in `node` that prints its arguments shows what the script would start.
  const bin = mkdtempSync(join(tmpdir(), "entry-"));
  writeFileSync(join(bin, "node"), '#!/bin/sh\necho "$@"\n');
  chmodSync(join(bin, "node"), 0o755);
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
  const run = (...args: string[]) =>
    spawnSync("sh", [join(repoRoot, "docker-entrypoint.sh"), ...args], {
      encoding: "utf8",
      env: { PATH: `${bin}:/usr/bin:/bin` },
    });

  it.each(all.map((d) => [d.name, d] as const))("starts %s from its compiled main", (name, d) => {
    const out = run(name, "--flag");
    expect(out.status).toBe(0);
    expect(out.stdout.trim()).toBe(`${join(repoRoot, d.dist)} --flag`);
  });

  it("refuses an unknown command with its usage", () => {
    const out = run("nope");
    expect(out.status).toBe(64);
    expect(out.stderr).toMatch(/usage: .*command-api/);
  });
});

describe.each(all.map((d) => [d.name, d] as const))("%s dependencies", (_name, d) => {
  it("imports only production dependencies and no dev-only code", () => {
    const pkg = JSON.parse(read("package.json")) as { dependencies: Record<string, string> };
    const graph = moduleClosure(repoRoot, d.main);
    const builtins = new Set(builtinModules);
    const external = graph.packages.filter((p) => !p.startsWith("node:") && !builtins.has(p));
    expect(external.filter((p) => !(p in pkg.dependencies))).toEqual([]);
    expect(graph.files.filter((f) => !f.startsWith("services/"))).toEqual([]);
  });
});
