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
