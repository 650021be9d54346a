import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { err, ok, type Result } from "neverthrow";
import type { StreamRecord } from "./stream-client.js";

/**
 * Kinesis Data Streams for DynamoDB: each Kinesis record's data is one JSON document —
 * `eventName`, `tableName`, `dynamodb.Keys`, `dynamodb.NewImage` (DynamoDB JSON, binary values
 * base64) and `dynamodb.ApproximateCreationDateTime` (epoch milliseconds, or microseconds when
 * the table's precision is MICROSECOND). AWS documents that these records may arrive out of
 * order and more than once: the projection's version high-water marks absorb both.
 */
export interface KinesisDynamoDbChange {
  readonly eventName: "INSERT" | "MODIFY" | "REMOVE";
  readonly tableName: string;
  readonly dynamodb: {
    readonly ApproximateCreationDateTime: number;
    readonly Keys: Record<string, unknown>;
    readonly NewImage?: Record<string, unknown>;
    readonly SizeBytes?: number;
  };
  readonly recordFormat: "application/json";
  readonly eventSource: "aws:dynamodb";
  readonly awsRegion?: string;
  readonly eventID?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const base64 = (v: unknown): Uint8Array => {
  if (typeof v !== "string") throw new Error("binary value is not a base64 string");
  return new Uint8Array(Buffer.from(v, "base64"));
};
const strings = (v: unknown): string[] => {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string"))
    throw new Error("set is not a list of strings");
  return v;
};

/** One DynamoDB-JSON attribute value (as the JSON change carries it) → the SDK's shape. */
export const attributeValueOfJson = (json: unknown): AttributeValue => {
  if (!isObject(json)) throw new Error("attribute value is not an object");
  const [type, v] = Object.entries(json)[0] ?? [];
  switch (type) {
    case "S":
    case "N":
      if (typeof v !== "string") throw new Error(`${type} value is not a string`);
      return type === "S" ? { S: v } : { N: v };
    case "B":
      return { B: base64(v) };
    case "BOOL":
      if (typeof v !== "boolean") throw new Error("BOOL value is not a boolean");
      return { BOOL: v };
    case "NULL":
      return { NULL: true };
    case "SS":
      return { SS: strings(v) };
    case "NS":
      return { NS: strings(v) };
    case "BS":
      return { BS: strings(v).map(base64) };
    case "L":
      if (!Array.isArray(v)) throw new Error("L value is not a list");
      return { L: v.map(attributeValueOfJson) };
    case "M":
      return { M: itemOfJson(v) };
    default:
      throw new Error(`unknown attribute type ${String(type)}`);
  }
};

const itemOfJson = (json: unknown): Record<string, AttributeValue> => {
  if (!isObject(json)) throw new Error("item is not an object");
  return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, attributeValueOfJson(v)]));
};

/** SDK value → DynamoDB JSON (what AWS writes; used by the development forwarder). */
export const jsonOfAttributeValue = (value: AttributeValue): unknown => {
  if (value.B) return { B: Buffer.from(value.B).toString("base64") };
  if (value.BS) return { BS: value.BS.map((b) => Buffer.from(b).toString("base64")) };
  if (value.L) return { L: value.L.map(jsonOfAttributeValue) };
  if (value.M) return { M: jsonOfItem(value.M) };
  return value;
};

export const jsonOfItem = (item: Record<string, AttributeValue>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(item).map(([k, v]) => [k, jsonOfAttributeValue(v)]));

// Above this the number is in microseconds (ms since 1970 stays below it until year 5138).
const MICROS_THRESHOLD = 1e14;

/**
 * Pure: one Kinesis record (sequence number, data, arrival time) → the consumer's stream record.
 * A record that is not a DynamoDB change is an error value: the caller decides what to do.
 */
export const decodeKinesisDynamoDbRecord = (
  sequenceNumber: string,
  data: Uint8Array,
  arrival: Date | undefined,
): Result<StreamRecord, string> => {
  let change: unknown;
  try {
    change = JSON.parse(Buffer.from(data).toString("utf8"));
  } catch {
    return err("data is not JSON");
  }
  if (!isObject(change) || !isObject(change.dynamodb) || !isObject(change.dynamodb.Keys))
    return err("not a DynamoDB change record (no dynamodb.Keys)");
  const d = change.dynamodb;
  try {
    const at =
      typeof d.ApproximateCreationDateTime === "number" ? d.ApproximateCreationDateTime : undefined;
    const created =
      at === undefined ? arrival : new Date(at > MICROS_THRESHOLD ? Math.floor(at / 1000) : at);
    return ok({
      sequenceNumber,
      approximateCreationTime: created ?? new Date(0),
      keys: itemOfJson(d.Keys),
      ...(isObject(d.NewImage) ? { newImage: itemOfJson(d.NewImage) } : {}),
    });
  } catch (e) {
    return err(`malformed DynamoDB JSON: ${(e as Error).message}`);
  }
};

/** The JSON document AWS writes to the stream for one journal change (development forwarder). */
export const kinesisDynamoDbChange = (change: {
  readonly eventName: KinesisDynamoDbChange["eventName"];
  readonly tableName: string;
  readonly createdAt: Date;
  readonly keys: Record<string, AttributeValue>;
  readonly newImage?: Record<string, AttributeValue>;
  readonly region?: string;
  readonly eventId?: string;
}): KinesisDynamoDbChange => ({
  ...(change.region ? { awsRegion: change.region } : {}),
  ...(change.eventId ? { eventID: change.eventId } : {}),
  eventName: change.eventName,
  tableName: change.tableName,
  recordFormat: "application/json",
  eventSource: "aws:dynamodb",
  dynamodb: {
    ApproximateCreationDateTime: change.createdAt.getTime(),
    Keys: jsonOfItem(change.keys),
    ...(change.newImage ? { NewImage: jsonOfItem(change.newImage) } : {}),
  },
});
