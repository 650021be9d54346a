/**
 * The one set of item event builders for tests: brands applied here, so a test states only the
 * values it is about. `stored` wraps an event in the journal's metadata.
 */
import type {
  DiscontinueReason,
  ItemEvent,
  ItemId,
  ItemName,
  Price,
  Quantity,
} from "../../services/domain/item/index.js";
import { CURRENT_SCHEMA_VERSION, type StoredEvent } from "../../services/event-store/codec.js";

export const newItemId = (): ItemId => crypto.randomUUID() as ItemId;

/** An event of `type` carrying `data` (the builders below brand the values). */
const event = <T extends ItemEvent["type"]>(
  type: T,
  data: Extract<ItemEvent, { type: T }>["data"],
) => ({ type, data }) as ItemEvent;

export const registered = (itemId: string, name = "Tea", price = 100) =>
  event("ItemRegistered", {
    itemId: itemId as ItemId,
    name: name as ItemName,
    price: price as Price,
  });
export const renamed = (name: string) => event("ItemRenamed", { name: name as ItemName });
export const repriced = (price: number) => event("ItemPriceChanged", { price: price as Price });
export const received = (quantity: number) =>
  event("StockReceived", { quantity: quantity as Quantity });
export const shipped = (quantity: number) =>
  event("StockShipped", { quantity: quantity as Quantity });
export const discontinued = (reason = "") =>
  event("ItemDiscontinued", { reason: reason as DiscontinueReason });

/** Event `sequenceNumber` of `aggregateId` as the journal stores it; ids and times follow it. */
export const stored = (
  sequenceNumber: number,
  event: ItemEvent,
  aggregateId: string,
  occurredAt = new Date(Date.UTC(2026, 0, 1, 0, 0, sequenceNumber)),
): StoredEvent => ({
  metadata: {
    eventId: `0193c0de-0000-7000-8000-${String(sequenceNumber).padStart(12, "0")}`,
    aggregateId,
    sequenceNumber,
    occurredAt,
    correlationId: "c",
    causationId: "k",
    eventType: event.type,
    schemaVersion: CURRENT_SCHEMA_VERSION,
  },
  event,
});
