/**
 * Reads CloudFormation and Copilot YAML. Short-form intrinsics (`!Sub`, `!ImportValue`, ...)
 * become their long form (`{ "Fn::Sub": ... }`, `{ Ref: ... }`) so tests can walk plain data.
 */
import { readFileSync } from "node:fs";
import { type CollectionTag, parse, type ScalarTag } from "yaml";

const FUNCTIONS = [
  "Base64",
  "Cidr",
  "FindInMap",
  "GetAtt",
  "GetAZs",
  "ImportValue",
  "Join",
  "Select",
  "Split",
  "Sub",
  "If",
  "Equals",
  "Not",
  "And",
  "Or",
  "Condition",
] as const;

const longName = (fn: string) => (fn === "Condition" ? "Condition" : `Fn::${fn}`);

const tags = FUNCTIONS.flatMap((fn): Array<ScalarTag | CollectionTag> => {
  const key = longName(fn);
  const wrap = (value: unknown) =>
    fn === "GetAtt" && typeof value === "string" ? { [key]: value.split(".") } : { [key]: value };
  return [
    { tag: `!${fn}`, resolve: (s: string) => wrap(s) },
    { tag: `!${fn}`, collection: "seq", resolve: (seq) => wrap(seq.toJSON()) } as CollectionTag,
    { tag: `!${fn}`, collection: "map", resolve: (map) => wrap(map.toJSON()) } as CollectionTag,
  ];
});
const refTag: ScalarTag = { tag: "!Ref", resolve: (s: string) => ({ Ref: s }) };

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export const readYaml = (path: string): Json =>
  parse(readFileSync(path, "utf8"), { customTags: [...tags, refTag], merge: true }) as Json;

export const isRecord = (v: unknown): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `{ "Fn::ImportValue": { "Fn::Sub": "${App}-${Env}-X" } }` → `X`, else undefined. */
export const importedExport = (v: Json | undefined): string | undefined => {
  if (!isRecord(v)) return undefined;
  const inner = v["Fn::ImportValue"];
  const sub = isRecord(inner) ? inner["Fn::Sub"] : inner;
  const m = typeof sub === "string" ? /^\$\{App\}-\$\{Env\}-(\w+)$/.exec(sub) : null;
  return m?.[1];
};

/** `${COPILOT_APPLICATION_NAME}-${COPILOT_ENVIRONMENT_NAME}-X` in a manifest → `X`. */
export const fromCfnExport = (v: Json | undefined): string | undefined => {
  const ref = isRecord(v) ? v.from_cfn : undefined;
  const m =
    typeof ref === "string"
      ? /^\$\{COPILOT_APPLICATION_NAME\}-\$\{COPILOT_ENVIRONMENT_NAME\}-(\w+)$/.exec(ref)
      : null;
  return m?.[1];
};
