/** The Copilot workspace as data: manifests, addon templates and the exports they define. */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { isRecord, type Json, readYaml } from "./cfn-yaml.js";

export const repoRoot = join(import.meta.dirname, "..", "..", "..");
export const copilotDir = join(repoRoot, "copilot");

const yamlFiles = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f) && !f.endsWith("addons.parameters.yml"))
        .map((f) => join(dir, f))
        .sort()
    : [];

export const serviceManifestPath = (name: string) => join(copilotDir, name, "manifest.yml");

export const serviceNames = (): string[] =>
  readdirSync(copilotDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "environments")
    .map((d) => d.name)
    .sort();

export const environmentNames = (): string[] =>
  readdirSync(join(copilotDir, "environments"), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "addons")
    .map((d) => d.name)
    .sort();

export const environmentAddonPaths = (): string[] =>
  yamlFiles(join(copilotDir, "environments", "addons"));

export const serviceAddonPaths = (name: string): string[] =>
  yamlFiles(join(copilotDir, name, "addons"));

export const allAddonPaths = (): string[] => [
  ...environmentAddonPaths(),
  ...serviceNames().flatMap(serviceAddonPaths),
];

/** Export names (without the `${App}-${Env}-` prefix) the environment addons define. */
export const environmentExports = (): Map<string, Json> => {
  const out = new Map<string, Json>();
  for (const path of environmentAddonPaths()) {
    const t = readYaml(path);
    const outputs = isRecord(t) && isRecord(t.Outputs) ? t.Outputs : {};
    for (const o of Object.values(outputs)) {
      const name = isRecord(o) && isRecord(o.Export) ? o.Export.Name : undefined;
      const sub = isRecord(name) ? name["Fn::Sub"] : undefined;
      const m = typeof sub === "string" ? /^\$\{App\}-\$\{Env\}-(\w+)$/.exec(sub) : null;
      if (m?.[1] && isRecord(o)) out.set(m[1], o.Value ?? null);
    }
  }
  return out;
};

const SECTIONS = ["Parameters", "Mappings", "Conditions", "Resources", "Outputs"] as const;

/**
 * The addon templates of one folder merged into the one template Copilot deploys: sections are
 * joined key by key, and a key two templates define differently is an error (as in Copilot).
 */
export const mergeAddons = (paths: readonly string[]): Record<string, Json> => {
  const merged: Record<string, Record<string, Json>> = {};
  for (const path of paths) {
    const t = readYaml(path);
    if (!isRecord(t)) throw new Error(`${path}: not a template`);
    for (const section of SECTIONS) {
      const entries = isRecord(t[section]) ? t[section] : {};
      const into = merged[section] ?? {};
      merged[section] = into;
      for (const [k, v] of Object.entries(entries)) {
        if (k in into && JSON.stringify(into[k]) !== JSON.stringify(v))
          throw new Error(`${path}: ${section}.${k} differs from another addon's`);
        into[k] = v;
      }
    }
  }
  return { AWSTemplateFormatVersion: "2010-09-09", ...merged };
};

/** Each addon folder (the environment's, each service's) with its templates, as Copilot groups them. */
export const addonGroups = (): Array<{ name: string; paths: string[] }> =>
  [
    { name: "environments", paths: environmentAddonPaths() },
    ...serviceNames().map((name) => ({ name, paths: serviceAddonPaths(name) })),
  ].filter((g) => g.paths.length > 0);
