import { describe, expect, it } from "vitest";
import type { ItemEvent, ItemId, ItemName, Price } from "../../services/domain/item/index.js";
import { decodeEvent, encodeEvent, type StoredEvent } from "../../services/event-store/codec.js";

describe("protobuf event codec", () => {
  it("round-trips an ItemRegistered event with its metadata", () => {
    const event: ItemEvent = {
      type: "ItemRegistered",
      data: {
        itemId: "0193c0de-0000-7000-8000-000000000001" as ItemId,
        name: "Tea" as ItemName,
        price: 450 as Price,
      },
    };
    const stored: StoredEvent = {
      metadata: {
        eventId: "0193c0de-0000-7000-8000-0000000000aa",
        aggregateId: "0193c0de-0000-7000-8000-000000000001",
        sequenceNumber: 1,
        occurredAt: new Date("2026-01-02T03:04:05.678Z"),
        correlationId: "corr",
        causationId: "cmd",
        eventType: "ItemRegistered",
        schemaVersion: 1,
      },
      event,
    };
    const bytes = encodeEvent(stored);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(decodeEvent(bytes)).toEqual(stored);
  });
});
