import type { ItemEvent } from "./events.js";
import type { ItemId, ItemName, Price } from "./values.js";

export type ItemStatus = "Active" | "Discontinued";

export type ItemState =
  | { readonly status: "NotRegistered" }
  | {
      readonly status: ItemStatus;
      readonly itemId: ItemId;
      readonly name: ItemName;
      readonly price: Price;
      readonly stock: number;
    };

export const initialState = (): ItemState => ({ status: "NotRegistered" });

/** Folds one event into the state. Events are facts: no rule is checked here. */
export const evolve = (state: ItemState, event: ItemEvent): ItemState => {
  if (event.type === "ItemRegistered") {
    return {
      status: "Active",
      itemId: event.data.itemId,
      name: event.data.name,
      price: event.data.price,
      stock: 0,
    };
  }
  if (state.status === "NotRegistered") return state;
  switch (event.type) {
    case "ItemRenamed":
      return { ...state, name: event.data.name };
    case "ItemPriceChanged":
      return { ...state, price: event.data.price };
    case "StockReceived":
      return { ...state, stock: state.stock + event.data.quantity };
    case "StockShipped":
      return { ...state, stock: state.stock - event.data.quantity };
    case "ItemDiscontinued":
      return { ...state, status: "Discontinued" };
  }
};

export const fold = (events: readonly ItemEvent[], from: ItemState = initialState()): ItemState =>
  events.reduce(evolve, from);
