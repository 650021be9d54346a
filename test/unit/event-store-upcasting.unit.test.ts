import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeEvent } from "../../services/event-store/codec.js";
import {
  minorUnits,
  UnknownSchemaVersionError,
  upcast,
} from "../../services/event-store/upcasting.js";
import { registered } from "../support/events.js";

const fixture = (name: string): Uint8Array =>
  readFileSync(new URL(`../fixtures/events-schema-v0/${name}`, import.meta.url));

describe("upcasting older event schemas", () => {
  it("decodes a committed schema-version-0 ItemRegistered into today's event", () => {
    const stored = decodeEvent(fixture("item-registered.v0.bin"));
    expect(stored.event).toEqual(
      registered("018bcfe5-6800-7000-8000-0000000000a1", "Legacy teapot", 1250),
    );
    expect(stored.metadata).toMatchObject({ sequenceNumber: 1, schemaVersion: 0 });
    expect(stored.metadata.occurredAt).toEqual(new Date(1_700_000_000_000));
  });

  it("converts decimal major units exactly", () => {
    expect(minorUnits("0")).toBe(0n);
    expect(minorUnits("4.5")).toBe(450n);
    expect(minorUnits("19.99")).toBe(1999n);
    expect(() => minorUnits("1.999")).toThrow(UnknownSchemaVersionError);
  });

  it("refuses a payload newer than this code instead of misreading it", () => {
    expect(() => upcast({ case: undefined }, 2)).toThrow(/newer than this code/);
  });

  it("refuses a version with no upcaster path", () => {
    expect(() => upcast({ case: undefined }, 0, {}, 1)).toThrow(
      /no upcaster from schema version 0/,
    );
  });
});
