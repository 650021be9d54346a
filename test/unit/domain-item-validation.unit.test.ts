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

describe("free text (names, reasons, query parameters)", () => {
  const name = (raw: string) => validateRegisterItem({ name: raw, price: 1 });
  const reason = (raw: string) => validateDiscontinueItem({ reason: raw });

  it("refuses every C0 control, DEL and every C1 control anywhere in the text", () => {
    const controls = [
      ...Array.from({ length: 0x20 }, (_, i) => i),
      ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i),
    ].map((cp) => String.fromCodePoint(cp));
    for (const c of controls) {
      expect(fields(name(`tea${c}pot`))).toEqual(["name"]);
      expect(fields(reason(`re${c}called`))).toEqual(["reason"]);
    }
    expect(name("tea\u0000pot")._unsafeUnwrapErr()[0]?.message).toContain("control characters");
  });

  it("refuses lone surrogates but accepts paired ones", () => {
    for (const raw of ["\ud800", "tea\udfff", "\udc00\ud800"]) {
      expect(fields(name(raw))).toEqual(["name"]);
      expect(fields(reason(raw))).toEqual(["reason"]);
    }
    expect(name("🍵")._unsafeUnwrap().name).toBe("🍵");
  });

  it("normalises to NFC before counting and storing", () => {
    const decomposed = "Cafe\u0301"; // e + combining acute accent
    expect(name(decomposed)._unsafeUnwrap().name).toBe("Caf\u00e9");
    // 100 decomposed é are 200 code points, but 100 once composed.
    expect(name("e\u0301".repeat(100)).isOk()).toBe(true);
    expect(reason(`${"e\u0301".repeat(500)}`).isOk()).toBe(true);
    expect(fields(reason("x".repeat(501)))).toEqual(["reason"]);
  });

  it("trims before checking, so edge white space (even a newline) is not an error", () => {
    expect(name("\n Tea \t")._unsafeUnwrap().name).toBe("Tea");
    expect(fields(name("Te\na"))).toEqual(["name"]);
  });
});
