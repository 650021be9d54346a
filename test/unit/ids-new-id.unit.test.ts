import { validate, version } from "uuid";
import { describe, expect, it } from "vitest";
import { newId, uuidV7Source } from "../../services/ids/new-id.js";

const timestampOf = (id: string) => Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);

describe("UUIDv7 ids", () => {
  it("makes distinct, valid UUIDv7s across refills of its random pool, stamped with its clock", () => {
    // A clock that moves one millisecond every 100 ids, from a fixed start; the pool holds 256.
    const start = Date.parse("2026-12-02T00:00:00Z");
    let reads = 0;
    const ids = Array.from(
      { length: 1_000 },
      uuidV7Source(() => start + Math.floor(reads++ / 100)),
    );
    const before = start;
    const after = start + 9;
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(validate(id) && version(id)).toBe(7);
      const ms = timestampOf(id);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(after);
    }
  });

  it("sorts by creation, also among ids of the same millisecond", () => {
    const frozen = uuidV7Source(() => Date.parse("2026-12-02T00:00:00Z"));
    const ids = Array.from({ length: 2_000 }, frozen);
    expect([...ids].sort()).toEqual(ids);
    const live = Array.from({ length: 2_000 }, newId);
    expect([...live].sort()).toEqual(live);
  });

  it("never reuses random bits: no two ids share their last 8 bytes", () => {
    const tails = Array.from({ length: 600 }, () => newId().slice(-17));
    expect(new Set(tails).size).toBe(tails.length);
  });
});
