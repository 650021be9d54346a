import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../services/event-store/codec.js";
import type { ItemRow } from "../../services/read-model/entities.js";
import {
  planItem,
  projectBatch,
  projectItem,
  summarize,
  sumTotals,
  totalsDelta,
} from "../../services/read-model/projection.js";
import { parseVersionPayload } from "../../services/read-model/projector.js";
import * as ev from "../support/events.js";

const ID = "0193c0de-0000-7000-8000-000000000001";
const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n));

const registered = (seq = 1, id = ID) => ev.stored(seq, ev.registered(id, "Tea", 450), id);
const received = (seq: number, quantity: number) => ev.stored(seq, ev.received(quantity), ID);
const shipped = (seq: number, quantity: number) => ev.stored(seq, ev.shipped(quantity), ID);
const discontinued = (seq: number) => ev.stored(seq, ev.discontinued("old"), ID);

const fold = (events: readonly StoredEvent[]) =>
  events.reduce<ItemRow | undefined>((row, e) => projectItem(row, e), undefined);

describe("projectItem", () => {
  it("sets the version and updated time to the event's, keeping the creation time", () => {
    const row = fold([registered(), received(2, 5), shipped(3, 2)]);
    expect(row).toMatchObject({ stock: 3, version: 3, createdAt: at(1), updatedAt: at(3) });
  });

  it("ignores a non-registration event for an item without a row", () => {
    expect(projectItem(undefined, received(2, 5))).toBeUndefined();
  });
});

describe("planItem", () => {
  const events = [registered(), received(2, 5), shipped(3, 2)];

  it("applies new contiguous events in order, whatever order they came in", () => {
    const plan = planItem(0, [events[2], events[0], events[1]] as StoredEvent[]);
    expect(plan.kind === "apply" && plan.events.map((e) => e.metadata.sequenceNumber)).toEqual([
      1, 2, 3,
    ]);
  });

  it("drops duplicates: events at or below the high-water mark, and repeats", () => {
    const plan = planItem(2, [...events, ...events]);
    expect(plan.kind === "apply" && plan.events.map((e) => e.metadata.sequenceNumber)).toEqual([3]);
  });

  it("asks to heal from the journal when an event is missing", () => {
    expect(planItem(1, [events[2] as StoredEvent])).toEqual({ kind: "heal", afterVersion: 1 });
  });
});

describe("totals", () => {
  it("moves an item's count and stock value between statuses when it is discontinued", () => {
    const before = fold([registered(), received(2, 4)]);
    const after = fold([registered(), received(2, 4), discontinued(3)]);
    expect(totalsDelta(before, after)).toEqual([
      { status: "Active", itemCount: -1, stockUnits: -4, stockValue: -1800n },
      { status: "Discontinued", itemCount: 1, stockUnits: 4, stockValue: 1800n },
    ]);
  });

  it("drops deltas that cancel out", () => {
    const row = fold([registered()]) as ItemRow;
    expect(sumTotals([...totalsDelta(undefined, row), ...totalsDelta(row, undefined)])).toEqual([]);
  });
});

describe("projectBatch", () => {
  it("writes one history row per event and the item's final row", () => {
    const changes = projectBatch(
      new Map([[ID, undefined]]),
      new Map([[ID, [registered(), received(2, 5)]]]),
    );
    expect(changes.items).toHaveLength(1);
    expect(changes.history.map((h) => [h.sequenceNumber, h.summary])).toEqual([
      [1, 'Registered "Tea" at price 450'],
      [2, "Received 5 (stock 5)"],
    ]);
    expect(changes.totals).toEqual([
      { status: "Active", itemCount: 1, stockUnits: 5, stockValue: 2250n },
    ]);
  });

  it("summarizes shipments with the stock left", () => {
    const row = fold([registered(), received(2, 5), shipped(3, 2)]);
    expect(summarize(shipped(3, 2), row)).toBe("Shipped 2 (stock 3)");
  });
});

describe("parseVersionPayload", () => {
  it("reads the projector's NOTIFY payload and skips malformed parts", () => {
    expect(parseVersionPayload(`${ID}:3,bad,x:y`)).toEqual([{ itemId: ID, version: 3 }]);
  });
});
