/**
 * The grants a Copilot addon's managed policy makes, and `policyProblems`, which compares grants
 * with the requirements derived from the code (deploy-facts/iam-actions.ts) both ways.
 */
import {
  iamPrefixOf,
  type Requirement,
  type ResourceKind,
} from "../../../deploy-facts/iam-actions.js";
import { importedExport, isRecord, type Json } from "./cfn-yaml.js";

export interface Grant {
  readonly action: string;
  readonly kind: ResourceKind;
  readonly table: string;
}

const list = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** `(table, kind)` of an imported ARN export or of a `!Sub` ARN of a `${App}-${Env}-x` table. */
const resourceOf = (res: Json): { table: string; kind: ResourceKind } | undefined => {
  // The integration events' topic, declared in the same addon: `!Ref IntegrationTopic`.
  if (isRecord(res) && res.Ref === "IntegrationTopic")
    return { table: "integration", kind: "topic" };
  const exp = importedExport(res);
  const m = exp ? /^([A-Z]\w*?)(TableArn|KinesisStreamArn|StreamArn)$/.exec(exp) : null;
  if (m?.[1] && m[2])
    return {
      table: m[1].charAt(0).toLowerCase() + m[1].slice(1),
      kind: m[2] === "StreamArn" ? "stream" : m[2] === "KinesisStreamArn" ? "kinesis" : "table",
    };
  const sub = isRecord(res) ? res["Fn::Sub"] : undefined;
  const arn =
    typeof sub === "string"
      ? /^arn:\$\{AWS::Partition\}:dynamodb:\$\{AWS::Region\}:\$\{AWS::AccountId\}:table\/\$\{App\}-\$\{Env\}-(\w+)(\/stream\/\*)?$/.exec(
          sub,
        )
      : null;
  if (arn?.[1]) return { table: arn[1], kind: arn[2] ? "stream" : "table" };
  // The Kinesis data stream of a table is named after it: `${App}-${Env}-<table>`.
  const kinesis =
    typeof sub === "string"
      ? /^arn:\$\{AWS::Partition\}:kinesis:\$\{AWS::Region\}:\$\{AWS::AccountId\}:stream\/\$\{App\}-\$\{Env\}-(\w+)$/.exec(
          sub,
        )
      : null;
  if (kinesis?.[1]) return { table: kinesis[1], kind: "kinesis" };
  return undefined;
};

/**
 * Grants of the `AWS::IAM::ManagedPolicy` resources of a template (all, or the one with the
 * given logical id); throws on a statement it cannot read.
 */
export const grantsOf = (template: Json, policyId?: string): Grant[] => {
  const resources = isRecord(template) && isRecord(template.Resources) ? template.Resources : {};
  const grants: Grant[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (!isRecord(r) || r.Type !== "AWS::IAM::ManagedPolicy") continue;
    if (policyId !== undefined && id !== policyId) continue;
    const doc = isRecord(r.Properties) ? r.Properties.PolicyDocument : undefined;
    const statements = isRecord(doc) ? list(doc.Statement) : [];
    for (const st of statements) {
      if (!isRecord(st) || st.Effect !== "Allow")
        throw new Error(`${id}: only Allow statements are expected`);
      for (const a of list(st.Action)) {
        if (typeof a !== "string" || !/^(dynamodb|kinesis|sns):[A-Za-z]+$/.test(a))
          throw new Error(
            `${id}: action ${JSON.stringify(a)} is not one exact dynamodb, kinesis or sns action`,
          );
        const [service, action = ""] = a.split(":");
        for (const res of list(st.Resource)) {
          const target = resourceOf(res);
          if (!target)
            throw new Error(`${id}: resource ${JSON.stringify(res)} is not a table or stream ARN`);
          if (service !== iamPrefixOf(target.kind))
            throw new Error(`${id}: ${a} granted on a ${target.kind} resource`);
          grants.push({ action, ...target });
        }
      }
    }
  }
  return grants;
};

/**
 * Everything required is granted on the right table or stream, and everything granted is
 * required: `serviceTables` are the tables the deployable is configured with (`<NAME>_TABLE`).
 */
export const policyProblems = (
  required: readonly Requirement[],
  granted: readonly Grant[],
  serviceTables: readonly string[],
): string[] => {
  const problems: string[] = [];
  const fits = (r: Requirement, g: Grant) =>
    r.action === g.action &&
    r.kind === g.kind &&
    (r.table === undefined ? serviceTables.includes(g.table) : r.table === g.table);
  for (const r of required)
    if (!granted.some((g) => fits(r, g)))
      problems.push(
        `missing ${iamPrefixOf(r.kind)}:${r.action} on ${r.kind} of ${r.table ?? `one of [${serviceTables}]`} (${r.because})`,
      );
  for (const g of granted)
    if (!required.some((r) => fits(r, g)))
      problems.push(`unneeded ${iamPrefixOf(g.kind)}:${g.action} on ${g.table} ${g.kind}`);
  return problems;
};
