import { err, ok, type Result } from "neverthrow";
import type { ItemCommand } from "./commands.js";
import type { ItemEvent } from "./events.js";
import type { ItemState } from "./state.js";

/** Why a command was refused; the HTTP edge maps each kind to a status once. */
export type ItemRejection =
  | { readonly kind: "ItemNotFound" }
  | { readonly kind: "ItemAlreadyRegistered" }
  | { readonly kind: "RuleViolated"; readonly rule: ItemRule; readonly message: string };

export type ItemRule = "StockNeverNegative" | "DiscontinuedItemIsFrozen";

const violated = (rule: ItemRule, message: string): Result<never, ItemRejection> =>
  err({ kind: "RuleViolated", rule, message });

/**
 * state → command → events. An empty list means "nothing to change" (same name, same price):
 * the command succeeds without writing.
 */
export const decide = (
  state: ItemState,
  command: ItemCommand,
): Result<readonly ItemEvent[], ItemRejection> => {
  if (command.type === "RegisterItem") {
    if (state.status !== "NotRegistered") return err({ kind: "ItemAlreadyRegistered" });
    const { itemId, name, price } = command;
    return ok([{ type: "ItemRegistered", data: { itemId, name, price } }]);
  }
  if (state.status === "NotRegistered") return err({ kind: "ItemNotFound" });
  if (state.status === "Discontinued") {
    return violated("DiscontinuedItemIsFrozen", "a discontinued item accepts no further command");
  }
  switch (command.type) {
    case "RenameItem":
      return ok(
        command.name === state.name ? [] : [{ type: "ItemRenamed", data: { name: command.name } }],
      );
    case "ChangePrice":
      return ok(
        command.price === state.price
          ? []
          : [{ type: "ItemPriceChanged", data: { price: command.price } }],
      );
    case "ReceiveStock":
      return ok([{ type: "StockReceived", data: { quantity: command.quantity } }]);
    case "ShipStock":
      if (command.quantity > state.stock) {
        return violated(
          "StockNeverNegative",
          `cannot ship ${command.quantity}: only ${state.stock} in stock`,
        );
      }
      return ok([{ type: "StockShipped", data: { quantity: command.quantity } }]);
    case "DiscontinueItem":
      return ok([{ type: "ItemDiscontinued", data: { reason: command.reason } }]);
  }
};
