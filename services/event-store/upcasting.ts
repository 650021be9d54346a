import { create } from "@bufbuild/protobuf";
import {
  type ItemEvent as ItemEventMessage,
  ItemRegisteredSchema,
} from "../gen/inventory/item/v1/events_pb.js";

/** Payload schema version written today for every event type (see docs/schema-evolution.md). */
export const CURRENT_SCHEMA_VERSION = 1;

type Payload = ItemEventMessage["payload"];
/** Rewrites a payload of version `n` into version `n + 1`. Pure. */
export type Upcaster = (payload: Payload) => Payload;

/**
 * Upcasters keyed by the version they read: `upcasters[0]` turns version 0 into version 1.
 * One entry per schema change; a payload is lifted step by step up to the current version.
 */
export const upcasters: Readonly<Record<number, Upcaster>> = {
  0: (payload) => {
    if (payload.case !== "registered") return payload;
    // Version 0 stored the price as major-unit decimal text; version 1 stores minor units.
    const { name, legacyPriceDecimal } = payload.value;
    return {
      case: "registered",
      value: create(ItemRegisteredSchema, { name, price: minorUnits(legacyPriceDecimal) }),
    };
  },
};

/** Thrown for a payload whose version has no upcaster path: a bug or a newer writer. */
export class UnknownSchemaVersionError extends Error {
  override readonly name = "UnknownSchemaVersionError";
}

/** Lifts a payload written with `version` to CURRENT_SCHEMA_VERSION. */
export const upcast = (
  payload: Payload,
  version: number,
  registry: Readonly<Record<number, Upcaster>> = upcasters,
  target = CURRENT_SCHEMA_VERSION,
): Payload => {
  if (version > target) {
    throw new UnknownSchemaVersionError(
      `payload schema version ${version} is newer than this code (${target}): deploy the newer reader first`,
    );
  }
  let current = payload;
  for (let v = version; v < target; v++) {
    const step = registry[v];
    if (!step) throw new UnknownSchemaVersionError(`no upcaster from schema version ${v}`);
    current = step(current);
  }
  return current;
};

/** "4.5" → 450n; exact decimal arithmetic (no floating point). */
export const minorUnits = (decimal: string): bigint => {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(decimal.trim());
  if (!match) throw new UnknownSchemaVersionError(`not a decimal price: "${decimal}"`);
  const [, whole = "0", fraction = ""] = match;
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0"));
};
