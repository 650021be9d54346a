import { describe, expect, it } from "vitest";
import {
  type DiscontinueReason,
  fold,
  type ItemId,
  type ItemName,
  itemDecider,
  type Price,
  type Quantity,
  STOCK_MAX,
} from "../../services/domain/item/index.js";
import { deciderSpec } from "../support/decider-spec.js";
import * as ev from "../support/events.js";

const given = deciderSpec(itemDecider);

const itemId = "0193c0de-0000-7000-8000-000000000001" as ItemId;
const name = (s: string) => s as ItemName;
const price = (n: number) => n as Price;
const qty = (n: number) => n as Quantity;
const reason = (s: string) => s as DiscontinueReason;

const registered = ev.registered(itemId, "Tea", 450);
const { received } = ev;
const discontinued = ev.discontinued("");

/** One of each command that acts on an existing item. */
const onTheItem = [
  { type: "RenameItem", itemId, name: name("Coffee") },
  { type: "ChangePrice", itemId, price: price(1) },
  { type: "ReceiveStock", itemId, quantity: qty(1) },
  { type: "ShipStock", itemId, quantity: qty(1) },
  { type: "DiscontinueItem", itemId, reason: reason("again") },
] as const;

describe("an item that is not registered", () => {
  it("is registered with its name and price", () => {
    given()
      .when({ type: "RegisterItem", itemId, name: name("Tea"), price: price(450) })
      .thenEmits([registered]);
  });

  it.each(onTheItem)("refuses $type as not found", (command) => {
    given().when(command).thenRejects({ kind: "ItemNotFound" });
  });
});

describe("an active item", () => {
  it("refuses a second registration on the same id as a conflict", () => {
    given(registered)
      .when({ type: "RegisterItem", itemId, name: name("Other"), price: price(1) })
      .thenRejects({ kind: "ItemAlreadyRegistered" });
  });

  it("is renamed to a new name", () => {
    given(registered)
      .when({ type: "RenameItem", itemId, name: name("Green tea") })
      .thenEmits([ev.renamed("Green tea")]);
  });

  it("renaming to the same name changes nothing", () => {
    given(registered)
      .when({ type: "RenameItem", itemId, name: name("Tea") })
      .thenNothingHappened();
  });

  it("gets a new price", () => {
    given(registered)
      .when({ type: "ChangePrice", itemId, price: price(0) })
      .thenEmits([ev.repriced(0)]);
  });

  it("setting the same price changes nothing", () => {
    given(registered)
      .when({ type: "ChangePrice", itemId, price: price(450) })
      .thenNothingHappened();
  });

  it("receives stock", () => {
    given(registered)
      .when({ type: "ReceiveStock", itemId, quantity: qty(5) })
      .thenEmits([received(5)]);
  });

  it("keeps stock within capacity (StockWithinCapacity)", () => {
    given(registered, received(STOCK_MAX))
      .when({ type: "ReceiveStock", itemId, quantity: qty(1) })
      .thenRejects({ kind: "RuleViolated", rule: "StockWithinCapacity" });
  });

  it("ships stock it holds, down to zero", () => {
    given(registered, received(3))
      .when({ type: "ShipStock", itemId, quantity: qty(3) })
      .thenEmits([ev.shipped(3)]);
  });

  it("never lets stock go negative (StockNeverNegative)", () => {
    given(registered, received(2), ev.shipped(1))
      .when({ type: "ShipStock", itemId, quantity: qty(2) })
      .thenRejects({ kind: "RuleViolated", rule: "StockNeverNegative" });
  });

  it("is discontinued with a reason", () => {
    given(registered)
      .when({ type: "DiscontinueItem", itemId, reason: reason("recalled") })
      .thenEmits([ev.discontinued("recalled")]);
  });
});

describe("a discontinued item", () => {
  // Renaming to its own name too: frozen comes before "nothing changed".
  it.each([...onTheItem, { type: "RenameItem", itemId, name: name("Tea") } as const])(
    "is frozen: refuses $type (DiscontinuedItemIsFrozen)",
    (command) => {
      given(registered, discontinued)
        .when(command)
        .thenRejects({ kind: "RuleViolated", rule: "DiscontinuedItemIsFrozen" });
    },
  );

  it("still refuses a second registration as a conflict", () => {
    given(registered, discontinued)
      .when({ type: "RegisterItem", itemId, name: name("Tea"), price: price(1) })
      .thenRejects({ kind: "ItemAlreadyRegistered" });
  });
});

describe("evolve", () => {
  it("folds the history into the current state", () => {
    const state = fold([
      registered,
      ev.renamed("Green tea"),
      ev.repriced(500),
      received(10),
      ev.shipped(4),
      discontinued,
    ]);
    expect(state).toEqual({
      status: "Discontinued",
      itemId,
      name: "Green tea",
      price: 500,
      stock: 6,
    });
  });

  it("ignores events before registration (facts are never refused)", () => {
    expect(fold([received(1)])).toEqual(itemDecider.initialState());
  });
});
