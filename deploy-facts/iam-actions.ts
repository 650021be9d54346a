/**
 * IAM actions a deployable needs, derived from the AWS SDK calls its code can reach. The one
 * source for both deploy paths: the CDK app grants exactly these, and the Copilot policies are
 * tested against them (test/deploy/).
 */
import { allTables, type TableDefinition } from "../services/tables/definitions.js";
import type { Graph, SdkUse, TransactItem } from "./code-graph.js";

/**
 * A DynamoDB table, its DynamoDB stream, the Kinesis data stream the table streams into, or the
 * integration events' SNS topic.
 */
export type ResourceKind = "table" | "stream" | "kinesis" | "topic";

/** The IAM service prefix of a kind of resource. */
export const iamPrefixOf = (kind: ResourceKind): "dynamodb" | "kinesis" | "sns" =>
  kind === "kinesis" ? "kinesis" : kind === "topic" ? "sns" : "dynamodb";

/** The one topic (its `table` field in a requirement): the integration events' FIFO topic. */
export const INTEGRATION_TOPIC = "integration";

export interface Requirement {
  readonly action: string;
  readonly kind: ResourceKind;
  /** Logical table name when the calling code names one table definition, else undefined. */
  readonly table: string | undefined;
  readonly because: string;
}

/** Actions on a table's stream ARN (`<table>/stream/*`), not on the table. */
export const STREAM_ACTIONS = new Set([
  "DescribeStream",
  "GetRecords",
  "GetShardIterator",
  "ListStreams",
]);
const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  ConditionCheck: "ConditionCheckItem",
  Get: "GetItem",
};
const HELPERS: Record<string, string> = {
  waitUntilTableExists: "DescribeTable",
  waitUntilTableNotExists: "DescribeTable",
  paginateQuery: "Query",
  paginateScan: "Scan",
  paginateListTables: "ListTables",
};

/** DynamoDB actions (without `dynamodb:`) one SDK symbol needs, each with its table if known. */
const actionsOf = (
  use: SdkUse,
  items: readonly TransactItem[],
): Array<{ action: string; table: string | undefined }> => {
  // The journal's Kinesis data stream (CHANGE_SOURCE=kinesis) is the only one: every call is on it.
  if (use.module === "@aws-sdk/client-kinesis")
    return [{ action: use.symbol.replace(/Command$/, ""), table: "journal" }];
  // PublishBatch is authorised as sns:Publish; the integration topic is the only one.
  if (use.module === "@aws-sdk/client-sns")
    return [{ action: "Publish", table: INTEGRATION_TOPIC }];
  if (
    use.module !== "@aws-sdk/client-dynamodb" &&
    use.module !== "@aws-sdk/client-dynamodb-streams"
  )
    throw new Error(
      `${use.file}: ${use.symbol} of ${use.module} has no IAM mapping in test/deploy`,
    );
  // A site without a recognisable TableName falls back to the one table its file names, else to
  // the one table its callers pass in.
  const fileTable =
    use.tables.length === 1 ? use.tables[0]?.replace(/Table$/, "") : use.passedTable;
  const sites = use.callTables.length > 0 ? use.callTables : [undefined];
  const helper = HELPERS[use.symbol];
  if (helper) return [{ action: helper, table: fileTable }];
  const op = use.symbol.replace(/Command$/, "");
  if (op === "TransactWriteItems" || op === "TransactGetItems") {
    const relevant = items.filter((i) => (op === "TransactGetItems") === (i.kind === "Get"));
    if (relevant.length === 0)
      throw new Error(`${use.file}: ${op} whose items the test cannot see`);
    return relevant.map((i) => ({
      action: TRANSACT_ITEM_ACTIONS[i.kind] ?? i.kind,
      table: i.table,
    }));
  }
  return sites.map((t) => ({ action: op, table: t ?? fileTable }));
};

/**
 * Every action the deployable's reachable code can call. Stream actions whose table the code
 * does not name belong to the one table definition that has a stream.
 */
export const requirementsOf = (graph: Graph): Requirement[] => {
  const streamed = allTables.filter((t) => t.stream !== undefined).map((t) => t.logicalName);
  return graph.sdkUses.flatMap((use) =>
    actionsOf(use, graph.transactItems).map(({ action, table }) => {
      const kind =
        use.module === "@aws-sdk/client-kinesis"
          ? ("kinesis" as const)
          : use.module === "@aws-sdk/client-sns"
            ? ("topic" as const)
            : STREAM_ACTIONS.has(action)
              ? ("stream" as const)
              : ("table" as const);
      const resolved =
        table ?? (kind === "stream" && streamed.length === 1 ? streamed[0] : undefined);
      return { action, kind, table: resolved, because: `${use.symbol} in ${use.file}` };
    }),
  );
};

const sameKeys = (a: TableDefinition, b: TableDefinition): boolean =>
  JSON.stringify([a.partitionKey, a.sortKey]) === JSON.stringify([b.partitionKey, b.sortKey]);

/**
 * The streams library's stores name the projector's tables (`leases`, `parked`) in their code; a
 * deployable configured instead with a table of the same key schema (the integration
 * publisher's `publisherLeases`, `publisherParked`) calls that one. Requirements on a table the
 * deployable is not configured with move to its configured twin, if it has exactly one. A
 * deployable configured with a table and its twins (the parked-records CLI: `parked` and, with
 * `--publisher`, `publisherParked`) runs the same code on either, so it needs the calls on each.
 */
export const onConfiguredTables = (
  requirements: readonly Requirement[],
  configured: readonly string[],
): Requirement[] =>
  requirements.flatMap((r) => {
    if (r.table === undefined || r.kind === "topic") return [r];
    const named = allTables.find((t) => t.logicalName === r.table);
    const twins = named
      ? allTables
          .filter(
            (t) =>
              t.logicalName !== r.table && configured.includes(t.logicalName) && sameKeys(t, named),
          )
          .map((t) => t.logicalName)
      : [];
    if (configured.includes(r.table)) return [r, ...twins.map((table) => ({ ...r, table }))];
    return twins.length === 1 && twins[0] ? [{ ...r, table: twins[0] }] : [r];
  });
