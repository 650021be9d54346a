import { describe, expect, it } from "vitest";
import { validateRegisterItem } from "../../services/domain/item/index.js";

describe("validateRegisterItem", () => {
  it("accepts a trimmed name and an integer price", () => {
    expect(validateRegisterItem({ name: " Tea ", price: 0 })._unsafeUnwrap()).toEqual({
      name: "Tea",
      price: 0,
    });
  });

  it("collects every invalid field", () => {
    const errors = validateRegisterItem({ name: 42, price: 1_000_000_001 })._unsafeUnwrapErr();
    expect(errors.map((e) => e.field)).toEqual(["name", "price"]);
  });

  it("rejects names longer than 100 characters after trimming", () => {
    expect(validateRegisterItem({ name: `  ${"x".repeat(100)}  `, price: 1 }).isOk()).toBe(true);
    expect(validateRegisterItem({ name: "x".repeat(101), price: 1 }).isErr()).toBe(true);
  });

  it("rejects a body that is not an object", () => {
    expect(validateRegisterItem([1, 2])._unsafeUnwrapErr()[0]?.field).toBe("");
  });
});
