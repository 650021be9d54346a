import { create, toJsonString } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { StoredEvent } from "../event-store/codec.js";
import {
  type ItemIntegrationEvent,
  ItemIntegrationEventSchema,
} from "../gen/inventory/item/integration/v1/item_integration_events_pb.js";

/** The oneof case of an integration event, as subscribers see it (`ItemListed`, …). */
export type IntegrationEventType =
  | "ItemListed"
  | "ItemRenamed"
  | "ItemPriceChanged"
  | "ItemDiscontinued";

const typeOfCase = {
  listed: "ItemListed",
  renamed: "ItemRenamed",
  priceChanged: "ItemPriceChanged",
  discontinued: "ItemDiscontinued",
} as const satisfies Record<
  NonNullable<ItemIntegrationEvent["event"]["case"]>,
  IntegrationEventType
>;

/**
 * Pure: the public event an internal one stands for, or undefined when no subscriber should see
 * it. Stock movements are the warehouse's bookkeeping (the level is served by the query API), and
 * a discontinuation's free-text reason and the actor stay internal.
 */
export const integrationEventOf = (stored: StoredEvent): ItemIntegrationEvent | undefined => {
  const event = ((): ItemIntegrationEvent["event"] | undefined => {
    const e = stored.event;
    switch (e.type) {
      case "ItemRegistered":
        return {
          case: "listed",
          value: {
            $typeName: "inventory.item.integration.v1.ItemListed",
            name: e.data.name,
            priceMinorUnits: BigInt(e.data.price),
          },
        };
      case "ItemRenamed":
        return {
          case: "renamed",
          value: { $typeName: "inventory.item.integration.v1.ItemRenamed", name: e.data.name },
        };
      case "ItemPriceChanged":
        return {
          case: "priceChanged",
          value: {
            $typeName: "inventory.item.integration.v1.ItemPriceChanged",
            priceMinorUnits: BigInt(e.data.price),
          },
        };
      case "ItemDiscontinued":
        return {
          case: "discontinued",
          value: { $typeName: "inventory.item.integration.v1.ItemDiscontinued" },
        };
      case "StockReceived":
      case "StockShipped":
        return undefined;
    }
  })();
  if (!event) return undefined;
  const m = stored.metadata;
  return create(ItemIntegrationEventSchema, {
    eventId: m.eventId,
    itemId: m.aggregateId,
    itemVersion: BigInt(m.sequenceNumber),
    occurredAt: timestampFromDate(m.occurredAt),
    correlationId: m.correlationId,
    event,
  });
};

/** One message for the FIFO topic: the body and the attributes SNS orders and de-duplicates by. */
export interface IntegrationMessage {
  /** The item id: SNS keeps order per message group. */
  readonly groupId: string;
  /** The event id: SNS drops a repeat within its 5-minute window; subscribers de-duplicate by it. */
  readonly deduplicationId: string;
  /** Also sent as the `eventType` message attribute, for subscription filter policies. */
  readonly eventType: IntegrationEventType;
  /** The protobuf JSON mapping of ItemIntegrationEvent. */
  readonly body: string;
}

/** Pure: the topic message of an internal event, or undefined when it is not published. */
export const integrationMessageOf = (stored: StoredEvent): IntegrationMessage | undefined => {
  const event = integrationEventOf(stored);
  const kind = event?.event.case;
  if (!event || kind === undefined) return undefined;
  return {
    groupId: event.itemId,
    deduplicationId: event.eventId,
    eventType: typeOfCase[kind],
    body: toJsonString(ItemIntegrationEventSchema, event),
  };
};
