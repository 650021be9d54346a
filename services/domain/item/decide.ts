import { err, ok, type Result } from "neverthrow";
import type { ItemCommand } from "./commands.js";
import type { ItemEvent } from "./events.js";
import type { ItemState } from "./state.js";
import { STOCK_MAX } from "./values.js";

/** Business rules a command can break; the name reaches the client in the 422 problem. */
export type ItemRule = "StockNeverNegative" | "StockWithinCapacity" | "DiscontinuedItemIsFrozen";

/** Why a command was refused; the HTTP edge maps each kind to a status once. */
export type ItemRejection =
  | { readonly kind: "ItemNotFound" }
  | { readonly kind: "ItemAlreadyRegistered" }
  | { readonly kind: "RuleViolated"; readonly rule: ItemRule; readonly message: string };

type Decision = Result<readonly ItemEvent[], ItemRejection>;
type Registered = Exclude<ItemState, { status: "NotRegistered" }>;

const violated = (rule: ItemRule, message: string): Decision =>
  err({ kind: "RuleViolated", rule, message });

const nothingToDo: Decision = ok([]);

/**
 * state → command → events. An empty list means "nothing to change" (same name, same price):
 * the command succeeds without writing.
 */
export const decide = (state: ItemState, command: ItemCommand): Decision => {
  if (command.type === "RegisterItem") {
    if (state.status !== "NotRegistered") return err({ kind: "ItemAlreadyRegistered" });
    const { itemId, name, price } = command;
    return ok([{ type: "ItemRegistered", data: { itemId, name, price } }]);
  }
  if (state.status === "NotRegistered") return err({ kind: "ItemNotFound" });
  if (state.status === "Discontinued") {
    return violated("DiscontinuedItemIsFrozen", "a discontinued item accepts no further command");
  }
  return decideForActive(state, command);
};

const decideForActive = (
  state: Registered,
  command: Exclude<ItemCommand, { type: "RegisterItem" }>,
): Decision => {
  switch (command.type) {
    case "RenameItem":
      return command.name === state.name
        ? nothingToDo
        : ok([{ type: "ItemRenamed", data: { name: command.name } }]);
    case "ChangePrice":
      return command.price === state.price
        ? nothingToDo
        : ok([{ type: "ItemPriceChanged", data: { price: command.price } }]);
    case "ReceiveStock":
      if (state.stock + command.quantity > STOCK_MAX) {
        return violated(
          "StockWithinCapacity",
          `cannot receive ${command.quantity}: stock would exceed ${STOCK_MAX}`,
        );
      }
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
