import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ItemState } from "../domain/item/index.js";
import type { ItemId, ItemName, Price } from "../domain/item/values.js";
import { ItemSnapshotSchema, ItemStatus } from "../gen/inventory/item/v1/snapshot_pb.js";

/** An aggregate state as of `version`, produced by reducer `stateVersion`. */
export interface ItemSnapshot {
  readonly aggregateId: string;
  readonly version: number;
  readonly stateVersion: number;
  readonly state: Exclude<ItemState, { status: "NotRegistered" }>;
  readonly takenAt: Date;
}

export const encodeSnapshot = (s: ItemSnapshot): Uint8Array =>
  toBinary(
    ItemSnapshotSchema,
    create(ItemSnapshotSchema, {
      aggregateId: s.aggregateId,
      version: BigInt(s.version),
      stateVersion: s.stateVersion,
      name: s.state.name,
      price: BigInt(s.state.price),
      stock: BigInt(s.state.stock),
      status: s.state.status === "Active" ? ItemStatus.ACTIVE : ItemStatus.DISCONTINUED,
      takenAt: timestampFromDate(s.takenAt),
    }),
  );

/** `undefined` for bytes that do not hold a usable snapshot: the caller replays instead. */
export const decodeSnapshot = (bytes: Uint8Array): ItemSnapshot | undefined => {
  const m = fromBinary(ItemSnapshotSchema, bytes);
  const status =
    m.status === ItemStatus.ACTIVE
      ? "Active"
      : m.status === ItemStatus.DISCONTINUED
        ? "Discontinued"
        : undefined;
  if (!status) return undefined;
  return {
    aggregateId: m.aggregateId,
    version: Number(m.version),
    stateVersion: m.stateVersion,
    state: {
      status,
      itemId: m.aggregateId as ItemId,
      name: m.name as ItemName,
      price: Number(m.price) as Price,
      stock: Number(m.stock),
    },
    takenAt: m.takenAt ? timestampDate(m.takenAt) : new Date(0),
  };
};
