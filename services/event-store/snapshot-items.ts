import type { AttributeValue, PutItemCommandInput } from "@aws-sdk/client-dynamodb";
import { ITEM_STATE_VERSION, type ItemState } from "../domain/item/index.js";
import { snapshotsTable } from "../tables/definitions.js";
import { decodeSnapshot, encodeSnapshot, type ItemSnapshot } from "./snapshot-codec.js";

const PK = snapshotsTable.partitionKey.name;

type Item = Record<string, AttributeValue>;

/** True when appending up to `newVersion` crosses a multiple of `every` (a snapshot is due). */
export const snapshotDue = (base: number, newVersion: number, every: number): boolean =>
  every > 0 && Math.floor(base / every) < Math.floor(newVersion / every);

/** The snapshot of `state` at `version`; none for an aggregate that does not exist yet. */
export const snapshotOf = (input: {
  readonly aggregateId: string;
  readonly version: number;
  readonly state: ItemState;
  readonly now: Date;
}): ItemSnapshot | undefined =>
  input.state.status === "NotRegistered"
    ? undefined
    : {
        aggregateId: input.aggregateId,
        version: input.version,
        stateVersion: ITEM_STATE_VERSION,
        state: input.state,
        takenAt: input.now,
      };

/**
 * The snapshot row (one per aggregate, the latest), written on its own after the events it
 * covers. Conditioned on being newer than the stored one so a snapshot never moves backwards.
 */
export const snapshotPut = (tableName: string, s: ItemSnapshot): PutItemCommandInput => ({
  TableName: tableName,
  Item: {
    [PK]: { S: s.aggregateId },
    version: { N: String(s.version) },
    stateVersion: { N: String(s.stateVersion) },
    payload: { B: encodeSnapshot(s) },
  },
  ConditionExpression: "attribute_not_exists(#pk) OR #v < :v",
  ExpressionAttributeNames: { "#pk": PK, "#v": "version" },
  ExpressionAttributeValues: { ":v": { N: String(s.version) } },
});

export const snapshotKey = (aggregateId: string): Item => ({ [PK]: { S: aggregateId } });

/**
 * The stored snapshot if today's reducer can trust it: one taken by another state version
 * (ITEM_STATE_VERSION changed since) is ignored and the aggregate is replayed in full.
 */
export const usableSnapshot = (item: Item | undefined): ItemSnapshot | undefined => {
  const payload = item?.payload?.B;
  if (!payload) return undefined;
  const snapshot = decodeSnapshot(payload);
  return snapshot?.stateVersion === ITEM_STATE_VERSION ? snapshot : undefined;
};
