import type { AttributeValue, TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { fold, ITEM_STATE_VERSION, type ItemEvent, type ItemState } from "../domain/item/index.js";
import { snapshotsTable } from "../tables/definitions.js";
import { decodeSnapshot, encodeSnapshot, type ItemSnapshot } from "./snapshot-codec.js";

const PK = snapshotsTable.partitionKey.name;

type Item = Record<string, AttributeValue>;

/** True when appending up to `newVersion` crosses a multiple of `every` (a snapshot is due). */
export const snapshotDue = (base: number, newVersion: number, every: number): boolean =>
  every > 0 && Math.floor(base / every) < Math.floor(newVersion / every);

/** The snapshot to write with these events, if one is due and the state is snapshottable. */
export const snapshotFor = (input: {
  readonly aggregateId: string;
  readonly base: number;
  readonly stateAtBase: ItemState;
  readonly events: readonly ItemEvent[];
  readonly every: number;
  readonly now: Date;
}): ItemSnapshot | undefined => {
  const version = input.base + input.events.length;
  if (!snapshotDue(input.base, version, input.every)) return undefined;
  const state = fold(input.events, input.stateAtBase);
  if (state.status === "NotRegistered") return undefined;
  return {
    aggregateId: input.aggregateId,
    version,
    stateVersion: ITEM_STATE_VERSION,
    state,
    takenAt: input.now,
  };
};

/**
 * The snapshot row (one per aggregate, the latest). Conditioned on being newer than the stored
 * one so a snapshot can never move backwards.
 */
export const snapshotPut = (tableName: string, s: ItemSnapshot): TransactWriteItem => ({
  Put: {
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
  },
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
