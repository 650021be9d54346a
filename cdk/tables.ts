/**
 * The five DynamoDB tables, built from services/tables/definitions.ts: keys, stream and TTL come
 * from the code's one definition; on-demand, deletion protection and retained with the stack.
 */
import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { allTables, type TableDefinition } from "../services/tables/definitions.js";

/**
 * Point-in-time recovery where losing the table loses data: the journal is the system of record
 * and parked records are the only copy once the stream trims them. Snapshots, idempotency keys
 * and leases are rebuilt or expire on their own.
 */
export const POINT_IN_TIME_RECOVERY: ReadonlySet<string> = new Set(["journal", "parked"]);

const attribute = (k: NonNullable<TableDefinition["sortKey"]>): dynamodb.Attribute => ({
  name: k.name,
  type: dynamodb.AttributeType[k.type === "S" ? "STRING" : k.type === "N" ? "NUMBER" : "BINARY"],
});

export class ItemTables extends Construct {
  /** By logical name (`journal`, ...). */
  readonly byName: ReadonlyMap<string, dynamodb.Table>;

  constructor(scope: Construct, id: string, props: { readonly namePrefix: string }) {
    super(scope, id);
    const byName = new Map<string, dynamodb.Table>();
    for (const def of allTables) {
      const id = `${def.logicalName.charAt(0).toUpperCase()}${def.logicalName.slice(1)}Table`;
      byName.set(
        def.logicalName,
        new dynamodb.Table(this, id, {
          tableName: `${props.namePrefix}-${def.logicalName}`,
          partitionKey: attribute(def.partitionKey),
          ...(def.sortKey ? { sortKey: attribute(def.sortKey) } : {}),
          billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
          ...(def.stream ? { stream: dynamodb.StreamViewType[def.stream] } : {}),
          ...(def.ttlAttribute ? { timeToLiveAttribute: def.ttlAttribute } : {}),
          pointInTimeRecoverySpecification: {
            pointInTimeRecoveryEnabled: POINT_IN_TIME_RECOVERY.has(def.logicalName),
          },
          deletionProtection: true,
          removalPolicy: RemovalPolicy.RETAIN,
        }),
      );
    }
    this.byName = byName;
  }

  get(logicalName: string): dynamodb.Table {
    const t = this.byName.get(logicalName);
    if (!t) throw new Error(`no table definition named "${logicalName}"`);
    return t;
  }
}
