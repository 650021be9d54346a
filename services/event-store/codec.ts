import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ItemEvent } from "../domain/item/index.js";
import type {
  DiscontinueReason,
  ItemId,
  ItemName,
  Price,
  Quantity,
} from "../domain/item/values.js";
import {
  type ItemEvent as ItemEventMessage,
  ItemEventSchema,
  ItemRegisteredSchema,
} from "../gen/inventory/item/v1/events_pb.js";
import { CURRENT_SCHEMA_VERSION, upcast } from "./upcasting.js";

export { CURRENT_SCHEMA_VERSION };

/** The verified caller who caused an event (the token's `sub` and client). */
export interface Actor {
  readonly subject: string;
  readonly clientId?: string;
}

/** Metadata of a stored event (the proto `EventMetadata`, as plain values). */
export interface EventMetadata {
  readonly eventId: string;
  readonly aggregateId: string;
  readonly sequenceNumber: number;
  readonly occurredAt: Date;
  readonly correlationId: string;
  readonly causationId: string;
  readonly eventType: ItemEvent["type"];
  readonly schemaVersion: number;
  /** Absent on events written before the APIs required tokens. */
  readonly actor?: Actor;
}

export interface StoredEvent {
  readonly metadata: EventMetadata;
  readonly event: ItemEvent;
}

const payloadOf = (event: ItemEvent): ItemEventMessage["payload"] => {
  switch (event.type) {
    case "ItemRegistered":
      return {
        case: "registered",
        value: create(ItemRegisteredSchema, {
          name: event.data.name,
          price: BigInt(event.data.price),
        }),
      };
    case "ItemRenamed":
      return {
        case: "renamed",
        value: { $typeName: "inventory.item.v1.ItemRenamed", name: event.data.name },
      };
    case "ItemPriceChanged":
      return {
        case: "priceChanged",
        value: { $typeName: "inventory.item.v1.ItemPriceChanged", price: BigInt(event.data.price) },
      };
    case "StockReceived":
      return {
        case: "stockReceived",
        value: {
          $typeName: "inventory.item.v1.StockReceived",
          quantity: BigInt(event.data.quantity),
        },
      };
    case "StockShipped":
      return {
        case: "stockShipped",
        value: {
          $typeName: "inventory.item.v1.StockShipped",
          quantity: BigInt(event.data.quantity),
        },
      };
    case "ItemDiscontinued":
      return {
        case: "discontinued",
        value: { $typeName: "inventory.item.v1.ItemDiscontinued", reason: event.data.reason },
      };
  }
};

export const encodeEvent = (stored: StoredEvent): Uint8Array => {
  const m = stored.metadata;
  return toBinary(
    ItemEventSchema,
    create(ItemEventSchema, {
      metadata: {
        eventId: m.eventId,
        aggregateId: m.aggregateId,
        sequenceNumber: BigInt(m.sequenceNumber),
        occurredAt: timestampFromDate(m.occurredAt),
        correlationId: m.correlationId,
        causationId: m.causationId,
        eventType: m.eventType,
        schemaVersion: m.schemaVersion,
        ...(m.actor
          ? { actor: { subject: m.actor.subject, clientId: m.actor.clientId ?? "" } }
          : {}),
      },
      payload: payloadOf(stored.event),
    }),
  );
};

/** Thrown for bytes that are not a known Item event: a bug or a foreign writer, never user input. */
export class UndecodableEventError extends Error {
  override readonly name = "UndecodableEventError";
}

/**
 * Decodes a journal payload of any known schema version into today's domain event (older
 * payloads pass through the upcasters); `metadata.schemaVersion` keeps the stored version.
 */
export const decodeEvent = (bytes: Uint8Array): StoredEvent => {
  const msg = fromBinary(ItemEventSchema, bytes);
  const m = msg.metadata;
  if (!m) throw new UndecodableEventError("event has no metadata");
  const itemId = m.aggregateId as ItemId;
  const event = eventOf(upcast(msg.payload, m.schemaVersion), itemId);
  return {
    metadata: {
      eventId: m.eventId,
      aggregateId: m.aggregateId,
      sequenceNumber: Number(m.sequenceNumber),
      occurredAt: m.occurredAt ? timestampDate(m.occurredAt) : new Date(0),
      correlationId: m.correlationId,
      causationId: m.causationId,
      eventType: event.type,
      schemaVersion: m.schemaVersion,
      ...(m.actor
        ? {
            actor: {
              subject: m.actor.subject,
              ...(m.actor.clientId !== "" ? { clientId: m.actor.clientId } : {}),
            },
          }
        : {}),
    },
    event,
  };
};

const eventOf = (p: ItemEventMessage["payload"], itemId: ItemId): ItemEvent => {
  switch (p.case) {
    case "registered":
      return {
        type: "ItemRegistered",
        data: { itemId, name: p.value.name as ItemName, price: Number(p.value.price) as Price },
      };
    case "renamed":
      return { type: "ItemRenamed", data: { name: p.value.name as ItemName } };
    case "priceChanged":
      return { type: "ItemPriceChanged", data: { price: Number(p.value.price) as Price } };
    case "stockReceived":
      return { type: "StockReceived", data: { quantity: Number(p.value.quantity) as Quantity } };
    case "stockShipped":
      return { type: "StockShipped", data: { quantity: Number(p.value.quantity) as Quantity } };
    case "discontinued":
      return { type: "ItemDiscontinued", data: { reason: p.value.reason as DiscontinueReason } };
    case undefined:
      throw new UndecodableEventError("event has no payload");
  }
};
