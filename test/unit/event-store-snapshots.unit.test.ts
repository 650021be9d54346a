import { describe, expect, it } from "vitest";
import {
  ITEM_STATE_VERSION,
  type ItemId,
  type ItemName,
  type Price,
} from "../../services/domain/item/index.js";
import { encodeSnapshot } from "../../services/event-store/snapshot-codec.js";
import {
  snapshotDue,
  snapshotOf,
  usableSnapshot,
} from "../../services/event-store/snapshot-items.js";

const id = "018bcfe5-6800-7000-8000-0000000000a1" as ItemId;
const registered = {
  status: "Active" as const,
  itemId: id,
  name: "Tea" as ItemName,
  price: 100 as Price,
  stock: 0,
};

describe("when a snapshot is due", () => {
  it("is due only when the new version crosses a multiple of N", () => {
    expect(snapshotDue(8, 9, 10)).toBe(false);
    expect(snapshotDue(9, 10, 10)).toBe(true);
    expect(snapshotDue(8, 12, 10)).toBe(true);
    expect(snapshotDue(10, 11, 10)).toBe(false);
    expect(snapshotDue(0, 1000, 0)).toBe(false);
  });

  it("holds the state at its version, stamped with today's state version", () => {
    const s = snapshotOf({ aggregateId: id, version: 10, state: registered, now: new Date(0) });
    expect(s).toMatchObject({
      version: 10,
      stateVersion: ITEM_STATE_VERSION,
      state: { price: 100 },
    });
  });

  it("is never taken of an item that does not exist yet", () => {
    const none = snapshotOf({
      aggregateId: id,
      version: 0,
      state: { status: "NotRegistered" },
      now: new Date(0),
    });
    expect(none).toBeUndefined();
  });
});

describe("which snapshot is trusted", () => {
  const item = (stateVersion: number) => ({
    payload: {
      B: encodeSnapshot({
        aggregateId: id,
        version: 10,
        stateVersion,
        state: registered,
        takenAt: new Date(0),
      }),
    },
  });

  it("uses a snapshot of today's state version", () => {
    expect(usableSnapshot(item(ITEM_STATE_VERSION))?.version).toBe(10);
  });

  it("ignores a snapshot taken by another reducer version", () => {
    expect(usableSnapshot(item(ITEM_STATE_VERSION - 1))).toBeUndefined();
    expect(usableSnapshot(undefined)).toBeUndefined();
  });
});
