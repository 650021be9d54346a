import { describe, expect, it } from "vitest";
import {
  validateChangePrice,
  validateDiscontinueItem,
  validateRegisterItem,
  validateRenameItem,
  validateStockMovement,
} from "../../services/domain/item/index.js";

const fields = (r: { _unsafeUnwrapErr(): Array<{ field: string }> }) =>
  r._unsafeUnwrapErr().map((e) => e.field);

describe("validateRegisterItem", () => {
  it("accepts a trimmed name and an integer price", () => {
    expect(validateRegisterItem({ name: " Tea ", price: 0 })._unsafeUnwrap()).toEqual({
      name: "Tea",
      price: 0,
    });
  });

  it("collects every invalid field", () => {
    expect(fields(validateRegisterItem({ name: 42, price: 1_000_000_001 }))).toEqual([
      "name",
      "price",
    ]);
  });

  it("reports unknown fields together with the invalid ones", () => {
    const errors = validateRegisterItem({ prize: 1, name: "", colour: "red" })._unsafeUnwrapErr();
    expect(errors.map((e) => e.field)).toEqual(["prize", "colour", "name", "price"]);
    expect(errors[0]?.message).toContain("allowed: name, price");
  });

  it("reports missing fields as required", () => {
    expect(validateRegisterItem({})._unsafeUnwrapErr()).toEqual([
      { field: "name", message: "is required" },
      { field: "price", message: "is required" },
    ]);
  });

  it("rejects names longer than 100 characters after trimming", () => {
    expect(validateRegisterItem({ name: `  ${"x".repeat(100)}  `, price: 1 }).isOk()).toBe(true);
    expect(validateRegisterItem({ name: "x".repeat(101), price: 1 }).isErr()).toBe(true);
  });

  it("counts characters, not UTF-16 units, in names", () => {
    expect(validateRegisterItem({ name: "🍵".repeat(100), price: 1 }).isOk()).toBe(true);
  });

  it("rejects a body that is not an object", () => {
    for (const body of [[1, 2], null, "x", 3]) {
      expect(fields(validateRegisterItem(body))).toEqual([""]);
    }
  });

  it("does not treat inherited keys as fields", () => {
    expect(fields(validateRegisterItem(JSON.parse('{"__proto__": 1}')))).toEqual([
      "__proto__",
      "name",
      "price",
    ]);
  });
});

describe("the other commands", () => {
  it("rename needs a non-blank name", () => {
    expect(fields(validateRenameItem({ name: "  " }))).toEqual(["name"]);
  });

  it("change-price refuses floats, negatives and strings", () => {
    for (const price of [1.5, -1, "1", Number.MAX_SAFE_INTEGER]) {
      expect(fields(validateChangePrice({ price }))).toEqual(["price"]);
    }
  });

  it("stock movements need an integer of at least 1", () => {
    expect(validateStockMovement({ quantity: 1 }).isOk()).toBe(true);
    for (const quantity of [0, -1, 2.5, "3", null]) {
      expect(fields(validateStockMovement({ quantity }))).toEqual(["quantity"]);
    }
  });

  it("discontinue takes an empty body or a reason", () => {
    expect(validateDiscontinueItem({})._unsafeUnwrap()).toEqual({ reason: "" });
    expect(validateDiscontinueItem({ reason: " gone " })._unsafeUnwrap()).toEqual({
      reason: "gone",
    });
    expect(fields(validateDiscontinueItem({ reason: 1, extra: true }))).toEqual([
      "extra",
      "reason",
    ]);
  });
});
