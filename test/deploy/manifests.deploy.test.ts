import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readYaml } from "./support/cfn-yaml.js";
import { manifestProblems } from "./support/manifest-schema.js";
import * as workspace from "./support/workspace.js";

describe("copilot manifests match the schema of the keys we use", () => {
  it("names the application in .workspace", () => {
    expect(readFileSync(join(workspace.copilotDir, ".workspace"), "utf8")).toMatch(
      /^application: [a-z][a-z0-9-]*\n$/,
    );
  });

  it.each(workspace.serviceNames())("service %s", (name) => {
    const manifest = readYaml(workspace.serviceManifestPath(name));
    expect(manifestProblems(manifest)).toEqual([]);
    expect((manifest as { name: string }).name).toBe(name);
  });

  it.each(workspace.environmentNames())("environment %s", (name) => {
    const manifest = readYaml(join(workspace.copilotDir, "environments", name, "manifest.yml"));
    expect(manifestProblems(manifest)).toEqual([]);
    expect((manifest as { name: string }).name).toBe(name);
  });
});

describe("the manifest schema rejects mistakes", () => {
  // biome-ignore lint/suspicious/noExplicitAny: the tests break a parsed manifest on purpose.
  type Loose = Record<string, any>;
  const valid = () =>
    structuredClone(readYaml(workspace.serviceManifestPath("command-api"))) as Loose;

  it("accepts the unmodified manifest (so the failures below are caused by the edit)", () => {
    expect(manifestProblems(valid())).toEqual([]);
  });

  it("a misspelt key", () => {
    const m = valid();
    m.http.healthcheck.paht = m.http.healthcheck.path;
    delete m.http.healthcheck.path;
    expect(manifestProblems(m)).toContain('/http/healthcheck: unknown key "paht"');
  });

  it("a misspelt top-level key", () => {
    const m = valid();
    m.varaibles = m.variables;
    delete m.variables;
    expect(manifestProblems(m)).toContain('/: unknown key "varaibles"');
  });

  it("a wrong type", () => {
    const m = valid();
    m.image.port = "3001";
    m.count.range = 2;
    expect(manifestProblems(m)).toEqual(
      expect.arrayContaining(["/image/port: must be integer", "/count/range: must be string"]),
    );
  });

  it("a secret given as a nested object other than from_cfn", () => {
    const m = valid();
    m.secrets = { DATABASE_URL: { form_cfn: "x" } };
    expect(manifestProblems(m).join("\n")).toMatch(/\/secrets\/DATABASE_URL/);
  });

  it("an unknown manifest type", () => {
    expect(manifestProblems({ name: "x", type: "Worker Service" })).toEqual([
      '/type: unknown manifest type "Worker Service"',
    ]);
  });
});
