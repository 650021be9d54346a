import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

/**
 * The single source of truth for every DynamoDB table: local setup and tests create tables
 * from these, and the deploy templates (copilot addons) are checked against them.
 */
export interface TableDefinition {
  /** Logical name; the physical name is `<prefix><logical>`. */
  readonly logicalName: string;
  readonly partitionKey: { readonly name: string; readonly type: "S" | "N" | "B" };
  readonly sortKey?: { readonly name: string; readonly type: "S" | "N" | "B" };
  readonly stream?: "NEW_IMAGE" | "NEW_AND_OLD_IMAGES" | "KEYS_ONLY" | "OLD_IMAGE";
  readonly ttlAttribute?: string;
}

/**
 * The variable a deployable reads a table's physical name from: `journal` → `JOURNAL_TABLE`,
 * `publisherLeases` → `PUBLISHER_LEASES_TABLE`.
 */
export const tableEnvVar = (logicalName: string): string =>
  `${logicalName.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}_TABLE`;

/** Event journal: one item per event, keyed by aggregate and 1-based sequence number. */
export const journalTable = {
  logicalName: "journal",
  partitionKey: { name: "aggregateId", type: "S" },
  sortKey: { name: "sequenceNumber", type: "N" },
  stream: "NEW_IMAGE",
} as const satisfies TableDefinition;

/**
 * Stream consumer leases and shard checkpoints, one item per shard (modelled on KCL). Attributes
 * (schemaless; see services/streams/leases/dynamodb/lease-item.ts and docs/stream-consumer.md):
 * leaseKey (S, shard id), leaseOwner (S, absent when free), leaseCounter (N, fencing token),
 * checkpoint (S: sequence number | TRIM_HORIZON | SHARD_END), ownerSwitchesSinceCheckpoint (N),
 * parentShardIds (SS), childShardIds (SS), concurrencyToken (S, per acquisition).
 */
export const leasesTable = {
  logicalName: "leases",
  partitionKey: { name: "leaseKey", type: "S" },
} as const satisfies TableDefinition;

/**
 * Aggregate snapshots: one item per aggregate holding its latest snapshot: `version` (N),
 * `stateVersion` (N), `payload` (B, protobuf ItemSnapshot). See docs/event-store.md.
 */
export const snapshotsTable = {
  logicalName: "snapshots",
  partitionKey: { name: "aggregateId", type: "S" },
} as const satisfies TableDefinition;

/**
 * Idempotency keys of commands, written in the same transaction as their events: `fingerprint`,
 * `status`, `body`, `headers`, `aggregateId`, `createdAt`, TTL `expiresAt` (N, epoch seconds).
 */
export const idempotencyTable = {
  logicalName: "idempotency",
  partitionKey: { name: "idempotencyKey", type: "S" },
  ttlAttribute: "expiresAt",
} as const satisfies TableDefinition;

/**
 * Stream records parked after exhausting their retries, grouped by aggregate (order kept):
 * per blocked aggregate a `#blocked` item (version counter) and `r#<position>` record items;
 * partition `__consumer-status__` holds "needs rebuild" markers (services/streams/parking/).
 */
export const parkedTable = {
  logicalName: "parked",
  partitionKey: { name: "aggregateId", type: "S" },
  sortKey: { name: "parkedKey", type: "S" },
} as const satisfies TableDefinition;

/**
 * The integration publisher's leases and checkpoints: the same item shape as `leasesTable`, in
 * a table of its own, as KCL separates two applications reading one stream by their lease table.
 */
export const publisherLeasesTable = {
  ...leasesTable,
  logicalName: "publisherLeases",
} as const satisfies TableDefinition;

/** Records the integration publisher parked, per item (the same shape as `parkedTable`). */
export const publisherParkedTable = {
  ...parkedTable,
  logicalName: "publisherParked",
} as const satisfies TableDefinition;

export const allTables: readonly TableDefinition[] = [
  journalTable,
  snapshotsTable,
  idempotencyTable,
  leasesTable,
  parkedTable,
  publisherLeasesTable,
  publisherParkedTable,
];

export const createTableInput = (
  def: TableDefinition,
  tableName: string,
): CreateTableCommandInput => {
  const keys = [def.partitionKey, ...(def.sortKey ? [def.sortKey] : [])];
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    KeySchema: keys.map((k, i) => ({ AttributeName: k.name, KeyType: i === 0 ? "HASH" : "RANGE" })),
    AttributeDefinitions: keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type })),
    ...(def.stream
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream } }
      : {}),
  };
};
