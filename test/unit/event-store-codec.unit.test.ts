import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type DiscontinueReason,
  ITEM_EVENT_TYPES,
  type ItemEvent,
  type ItemId,
  type ItemName,
  PRICE_MAX,
  type Price,
  QUANTITY_MAX,
  type Quantity,
} from "../../services/domain/item/index.js";
import {
  CURRENT_SCHEMA_VERSION,
  decodeEvent,
  encodeEvent,
  type StoredEvent,
} from "../../services/event-store/codec.js";
import { decodeSnapshot, encodeSnapshot } from "../../services/event-store/snapshot-codec.js";

const itemId = fc.uuid().map((u) => u as ItemId);
const name = fc.string({ minLength: 1, maxLength: 100 }).map((s) => s as ItemName);
const price = fc.integer({ min: 0, max: PRICE_MAX }).map((n) => n as Price);
const quantity = fc.integer({ min: 1, max: QUANTITY_MAX }).map((n) => n as Quantity);
const reason = fc.string({ maxLength: 500 }).map((s) => s as DiscontinueReason);

const eventFor = (id: ItemId): fc.Arbitrary<ItemEvent> =>
  fc.oneof(
    fc.record({ name, price }).map(
      (d): ItemEvent => ({
        type: "ItemRegistered",
        data: { itemId: id, ...d },
      }),
    ),
    name.map((n): ItemEvent => ({ type: "ItemRenamed", data: { name: n } })),
    price.map((p): ItemEvent => ({ type: "ItemPriceChanged", data: { price: p } })),
    quantity.map((q): ItemEvent => ({ type: "StockReceived", data: { quantity: q } })),
    quantity.map((q): ItemEvent => ({ type: "StockShipped", data: { quantity: q } })),
    reason.map((r): ItemEvent => ({ type: "ItemDiscontinued", data: { reason: r } })),
  );

const storedEvent: fc.Arbitrary<StoredEvent> = itemId.chain((id) =>
  fc
    .record({
      event: eventFor(id),
      eventId: fc.uuid(),
      sequenceNumber: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      occurredAt: fc.date({
        min: new Date("1970-01-01T00:00:00Z"),
        max: new Date("2200-01-01T00:00:00Z"),
        noInvalidDate: true,
      }),
      correlationId: fc.string(),
      causationId: fc.string(),
      // The caller; absent on events written before tokens were required.
      actor: fc.option(
        fc.record(
          { subject: fc.string({ minLength: 1 }), clientId: fc.string({ minLength: 1 }) },
          { requiredKeys: ["subject"] },
        ),
        { nil: undefined },
      ),
    })
    .map(({ event, ...m }) => ({
      metadata: {
        ...m,
        aggregateId: id,
        eventType: event.type,
        schemaVersion: CURRENT_SCHEMA_VERSION,
      },
      event,
    })),
);

describe("event codec (protobuf)", () => {
  it("round-trips every event type with its metadata", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(storedEvent, (stored) => {
        seen.add(stored.event.type);
        const bytes = encodeEvent(stored);
        expect(bytes).toBeInstanceOf(Uint8Array);
        expect(decodeEvent(bytes)).toEqual(stored);
      }),
      { numRuns: 600 },
    );
    expect([...seen].sort()).toEqual([...ITEM_EVENT_TYPES].sort());
  });

  it("keeps the actor (sub and client) and reads events written without one", () => {
    const base = fc.sample(storedEvent, 1)[0] as StoredEvent;
    const withActor = {
      ...base,
      metadata: { ...base.metadata, actor: { subject: "alice", clientId: "app" } },
    };
    expect(decodeEvent(encodeEvent(withActor)).metadata.actor).toEqual({
      subject: "alice",
      clientId: "app",
    });
    const { actor: _, ...older } = base.metadata;
    expect(decodeEvent(encodeEvent({ ...base, metadata: older })).metadata).not.toHaveProperty(
      "actor",
    );
  });
});

describe("snapshot codec (protobuf)", () => {
  it("round-trips any registered state", () => {
    fc.assert(
      fc.property(
        itemId,
        name,
        price,
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.constantFrom("Active" as const, "Discontinued" as const),
        fc.integer({ min: 1, max: 1e9 }),
        (id, n, p, stock, status, version) => {
          const snapshot = {
            aggregateId: id,
            version,
            stateVersion: 1,
            state: { status, itemId: id, name: n, price: p, stock },
            takenAt: new Date("2026-01-01T00:00:00.123Z"),
          };
          expect(decodeSnapshot(encodeSnapshot(snapshot))).toEqual(snapshot);
        },
      ),
    );
  });
});
