import type { DiscontinueReason, ItemId, ItemName, Price, Quantity } from "./values.js";

export type ItemCommand =
  | {
      readonly type: "RegisterItem";
      readonly itemId: ItemId;
      readonly name: ItemName;
      readonly price: Price;
    }
  | { readonly type: "RenameItem"; readonly itemId: ItemId; readonly name: ItemName }
  | { readonly type: "ChangePrice"; readonly itemId: ItemId; readonly price: Price }
  | { readonly type: "ReceiveStock"; readonly itemId: ItemId; readonly quantity: Quantity }
  | { readonly type: "ShipStock"; readonly itemId: ItemId; readonly quantity: Quantity }
  | {
      readonly type: "DiscontinueItem";
      readonly itemId: ItemId;
      readonly reason: DiscontinueReason;
    };
