/**
 * Every DynamoDB table, built from services/tables/definitions.ts: keys, stream and TTL come
 * from the code's one definition; on-demand, deletion protection and retained with the stack.
 */
import { CfnCondition, CfnParameter, Fn, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as kinesis from "aws-cdk-lib/aws-kinesis";
import { Construct } from "constructs";
import { allTables, type TableDefinition } from "../services/tables/definitions.js";
import { numberParameter } from "./parameters.js";

/**
 * Point-in-time recovery where losing the table loses data: the journal is the system of record
 * and parked records are the only copy once the stream trims them. Snapshots, idempotency keys
 * and leases are rebuilt or expire on their own.
 */
export const POINT_IN_TIME_RECOVERY: ReadonlySet<string> = new Set([
  "journal",
  "parked",
  "publisherParked",
]);

const attribute = (k: NonNullable<TableDefinition["sortKey"]>): dynamodb.Attribute => ({
  name: k.name,
  type: dynamodb.AttributeType[k.type === "S" ? "STRING" : k.type === "N" ? "NUMBER" : "BINARY"],
});

export class ItemTables extends Construct {
  /** By logical name (`journal`, ...). */
  readonly byName: ReadonlyMap<string, dynamodb.Table>;
  /** The consumer's CHANGE_SOURCE: `dynamodb-streams`, or `kinesis` (the journal's data stream). */
  readonly changeSource: CfnParameter;
  private readonly namePrefix: string;

  constructor(scope: Construct, id: string, props: { readonly namePrefix: string }) {
    super(scope, id);
    this.namePrefix = props.namePrefix;
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
    this.changeSource = this.journalToKinesis();
  }

  /**
   * Kinesis Data Streams for DynamoDB, as in Copilot's tables.yml: with the JournalChangeSource
   * parameter at `kinesis`, every change of the journal also goes to an on-demand, KMS-encrypted
   * data stream named like the table, which the consumer reads instead (CHANGE_SOURCE).
   */
  private journalToKinesis(): CfnParameter {
    const stack = Stack.of(this);
    const source = new CfnParameter(stack, "JournalChangeSource", {
      type: "String",
      allowedValues: ["dynamodb-streams", "kinesis"],
      default: "dynamodb-streams",
      description:
        "Where the stream consumer reads the journal's changes (its CHANGE_SOURCE): the table's DynamoDB stream, or also a Kinesis data stream (docs/stream-consumer.md compares them).",
    });
    const retention = numberParameter(this, "JournalKinesisRetentionHours", {
      minValue: 24,
      maxValue: 8760,
      default: 168,
      description: "How long the journal's Kinesis data stream keeps changes (24 to 8760 hours).",
    });
    const toKinesis = new CfnCondition(this, "JournalToKinesis", {
      expression: Fn.conditionEquals(source.valueAsString, "kinesis"),
    });
    const stream = new kinesis.CfnStream(this, "JournalKinesisStream", {
      name: this.kinesisStreamName("journal"),
      streamModeDetails: { streamMode: "ON_DEMAND" },
      retentionPeriodHours: retention,
      streamEncryption: { encryptionType: "KMS", keyId: "alias/aws/kinesis" },
    });
    stream.cfnOptions.condition = toKinesis;
    const journal = this.get("journal").node.defaultChild as dynamodb.CfnTable;
    journal.kinesisStreamSpecification = Fn.conditionIf(
      toKinesis.logicalId,
      { StreamArn: stream.attrArn, ApproximateCreationDateTimePrecision: "MILLISECOND" },
      Fn.ref("AWS::NoValue"),
    ) as unknown as dynamodb.CfnTable.KinesisStreamSpecificationProperty;
    return source;
  }

  /** A table's Kinesis data stream is named like the table. */
  kinesisStreamName(logicalName: string): string {
    return `${this.namePrefix}-${logicalName}`;
  }

  /** The ARN of a table's Kinesis data stream, by name: it exists only with JournalToKinesis. */
  kinesisStreamArn(logicalName: string): string {
    return Stack.of(this).formatArn({
      service: "kinesis",
      resource: "stream",
      resourceName: this.kinesisStreamName(logicalName),
    });
  }

  get(logicalName: string): dynamodb.Table {
    const t = this.byName.get(logicalName);
    if (!t) throw new Error(`no table definition named "${logicalName}"`);
    return t;
  }
}
