import type { DiscontinueReason, ItemId, ItemName, Price, Quantity } from "./values.js";

/** Domain events of the Item aggregate; their stored form is `proto/inventory/item/v1`. */
export type ItemEvent =
  | {
      readonly type: "ItemRegistered";
      readonly data: { itemId: ItemId; name: ItemName; price: Price };
    }
  | { readonly type: "ItemRenamed"; readonly data: { name: ItemName } }
  | { readonly type: "ItemPriceChanged"; readonly data: { price: Price } }
  | { readonly type: "StockReceived"; readonly data: { quantity: Quantity } }
  | { readonly type: "StockShipped"; readonly data: { quantity: Quantity } }
  | { readonly type: "ItemDiscontinued"; readonly data: { reason: DiscontinueReason } };

export type ItemEventType = ItemEvent["type"];

export const ITEM_EVENT_TYPES: readonly ItemEventType[] = [
  "ItemRegistered",
  "ItemRenamed",
  "ItemPriceChanged",
  "StockReceived",
  "StockShipped",
  "ItemDiscontinued",
];
