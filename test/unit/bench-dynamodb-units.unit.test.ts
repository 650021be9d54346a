import { describe, expect, it } from "vitest";
import * as ddb from "../../bench/support/dynamodb-units.js";

// The rules the emulator cannot check (it has no GSI billing, no transactions): AWS's documented
// sizes and units, value by value.
describe("item sizes as AWS documents them", () => {
  it("sizes a number by its significant digits, two per byte, plus one", () => {
    expect(ddb.numberSize("7")).toBe(2);
    expect(ddb.numberSize("1000")).toBe(2); // trailing zeros trimmed: one digit
    expect(ddb.numberSize("123456")).toBe(4);
    expect(ddb.numberSize("-0.00125")).toBe(3); // "125": leading zeros and the sign do not count
  });

  it("adds names and values: strings in UTF-8 bytes, binary raw, lists and maps with overhead", () => {
    expect(ddb.itemSize({ id: { S: "é" } })).toBe(2 + 2);
    expect(ddb.itemSize({ b: { B: new Uint8Array(10) } })).toBe(1 + 10);
    expect(ddb.itemSize({ ok: { BOOL: true } })).toBe(2 + 1);
    // 3 bytes for the map, 1 per element, plus each element's name and value.
    expect(ddb.itemSize({ m: { M: { a: { S: "xy" }, n: { N: "5" } } } })).toBe(
      1 + 3 + (1 + 1 + 2) + (1 + 1 + 2),
    );
    expect(ddb.itemSize({ l: { L: [{ S: "a" }, { S: "b" }] } })).toBe(1 + 3 + (1 + 1) + (1 + 1));
  });
});

describe("units", () => {
  it("bills writes per started KB, doubled in a transaction, and reads per started 4 KB", () => {
    expect([ddb.writeUnits(1), ddb.writeUnits(1024), ddb.writeUnits(1025)]).toEqual([1, 1, 2]);
    expect(ddb.writeUnits(1025, true)).toBe(4);
    expect([ddb.readUnits(0, true), ddb.readUnits(4096, true), ddb.readUnits(4097, true)]).toEqual([
      1, 1, 2,
    ]);
    expect(ddb.readUnits(4097, false)).toBe(1);
  });

  it("writes an index entry when the item enters, changes in, or leaves the index", () => {
    const gsi = [{ name: "by-aid", keys: ["aid", "seq"] }];
    const row = (seq: string, version: string) => ({
      pk: { S: "p" },
      aid: { S: "a" },
      seq: { N: seq },
      version: { N: version },
    });
    expect(ddb.indexWriteUnits(gsi, undefined, row("1", "1"))).toBe(1); // enters
    expect(ddb.indexWriteUnits(gsi, row("1", "1"), row("1", "2"))).toBe(1); // same key, new values
    expect(ddb.indexWriteUnits(gsi, row("1", "1"), row("2", "2"))).toBe(2); // key moves: delete + put
    expect(ddb.indexWriteUnits(gsi, row("1", "1"), undefined)).toBe(1); // leaves
    expect(ddb.indexWriteUnits(gsi, { pk: { S: "p" } }, { pk: { S: "p" } })).toBe(0); // never in it
  });
});
