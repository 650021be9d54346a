/**
 * Synthesises the CDK app (cdk/) in-process, as `npm run cdk:synth` does, into a temporary
 * cloud assembly, and reads its template as data.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../../cdk/app.js";
import { type DeployableFacts, loadFacts } from "../../../cdk/facts.js";
import type { ItemServiceStack } from "../../../cdk/item-service-stack.js";
import { isRecord, type Json } from "./cfn-yaml.js";
import { repoRoot } from "./workspace.js";

export type Template = { Resources: Record<string, CfnResource> } & Record<string, Json>;
export interface CfnResource {
  readonly Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties, walked by key.
  readonly Properties: Record<string, any>;
  readonly DeletionPolicy?: string;
  readonly Condition?: string;
}

export interface Synthesised {
  readonly outdir: string;
  readonly templatePath: string;
  readonly template: Template;
  readonly stack: ItemServiceStack;
  readonly facts: readonly DeployableFacts[];
}

export const synthesise = async (): Promise<Synthesised> => {
  const outdir = mkdtempSync(join(tmpdir(), "cdk-out-"));
  const facts = await loadFacts(repoRoot);
  const { app, stack } = buildApp({ repoRoot, facts, outdir });
  const assembly = app.synth();
  const templatePath = join(assembly.directory, stack.templateFile);
  const template = JSON.parse(readFileSync(templatePath, "utf8")) as Template;
  return { outdir, templatePath, template, stack, facts };
};

export const resourcesOf = (t: Template, type: string): Array<[string, CfnResource]> =>
  Object.entries(t.Resources).filter(([, r]) => r.Type === type);

/** The logical id a `{ Ref }` or `{ "Fn::GetAtt": [id, attr] }` points at. */
export const refId = (v: Json | undefined): string | undefined => {
  if (!isRecord(v)) return undefined;
  if (typeof v.Ref === "string") return v.Ref;
  const att = v["Fn::GetAtt"];
  return Array.isArray(att) && typeof att[0] === "string" ? att[0] : undefined;
};

export const list = <T>(v: T | T[] | undefined): T[] =>
  Array.isArray(v) ? v : v === undefined ? [] : [v];
