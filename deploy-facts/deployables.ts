/**
 * The deployables, found on disk rather than listed: every `services/<name>/main.ts` (a long-
 * running service with a Copilot manifest) and every `services/cli/<name>/main.ts` (a CLI run as
 * a one-off task). Development-only code lives in dev/, outside services/.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface Deployable {
  readonly name: string;
  readonly kind: "service" | "cli";
  /** Repo-relative path of its composition root. */
  readonly main: string;
  /** Its compiled entry point relative to the build output's parent folder. */
  readonly dist: string;
}

const mains = (root: string, dir: string): string[] =>
  existsSync(join(root, dir))
    ? readdirSync(join(root, dir), { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(root, dir, d.name, "main.ts")))
        .map((d) => d.name)
        .sort()
    : [];

export const deployables = (root: string): Deployable[] => [
  ...mains(root, "services").map((name) => ({
    name,
    kind: "service" as const,
    main: `services/${name}/main.ts`,
    dist: `dist/${name}/main.js`,
  })),
  ...mains(root, "services/cli").map((name) => ({
    name,
    kind: "cli" as const,
    main: `services/cli/${name}/main.ts`,
    dist: `dist/cli/${name}/main.js`,
  })),
];
