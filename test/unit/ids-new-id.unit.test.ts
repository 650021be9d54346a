import { validate, version } from "uuid";
import { describe, expect, it } from "vitest";
import { newId } from "../../services/ids/new-id.js";

describe("newId", () => {
  it("makes distinct, valid UUIDv7s across refills of its random pool", () => {
    const before = Date.now();
    const ids = Array.from({ length: 1_000 }, newId); // the pool holds 256
    const after = Date.now();
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(validate(id) && version(id)).toBe(7);
      const ms = Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(after);
    }
  });

  it("sorts by creation, also among ids of the same millisecond", () => {
    const ids = Array.from({ length: 2_000 }, newId);
    expect([...ids].sort()).toEqual(ids);
  });

  it("never reuses random bits: no two ids share their last 8 bytes", () => {
    const tails = Array.from({ length: 600 }, () => newId().slice(-17));
    expect(new Set(tails).size).toBe(tails.length);
  });
});
