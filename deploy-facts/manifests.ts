import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

/** The parts of a Copilot service manifest the tooling reads (health checks, literal variables). */
export interface ServiceManifest {
  readonly type: string;
  readonly image: { readonly port?: number; readonly healthcheck?: { readonly command: string[] } };
  readonly http?: { readonly healthcheck: { readonly path: string } };
  readonly variables?: Readonly<Record<string, unknown>>;
}

/** `copilot/<name>/manifest.yml` of a deployable. */
export const manifestOf = (root: string, name: string): ServiceManifest =>
  parse(readFileSync(join(root, "copilot", name, "manifest.yml"), "utf8")) as ServiceManifest;
