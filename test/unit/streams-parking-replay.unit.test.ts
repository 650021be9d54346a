import { describe, expect, it } from "vitest";
import type { ParkedRecord } from "../../services/streams/parking/parking-store.js";
import { discardParked, replayParked } from "../../services/streams/parking/replay.js";
import type { RecordHandler } from "../../services/streams/processing/process-batch.js";
import { InMemoryParkingStore } from "../streams-sim/in-memory-parking-store.js";

const parkedAt = new Date("2026-11-29T00:00:00Z");
const parked = (n: number, shardId = "s1"): ParkedRecord => ({
  aggregateKey: "a",
  position: String(n).padStart(3, "0"),
  shardId,
  record: { sequenceNumber: String(n), approximateCreationTime: parkedAt, keys: {} },
  reason: n === 1 ? "RetryAttemptsExhausted" : "BehindParkedRecord",
  attempts: n === 1 ? 3 : 0,
  parkedAt,
});

describe("replayParked", () => {
  it("replays in order, per shard run, removes the records and lifts the block", async () => {
    const store = new InMemoryParkingStore();
    for (const p of [parked(1), parked(2), parked(3, "s2")]) await store.park(p);
    const calls: Array<[string, string[]]> = [];
    const handler: RecordHandler = async ({ shardId, records }) => {
      calls.push([shardId, records.map((r) => r.sequenceNumber)]);
      return undefined;
    };
    expect(await replayParked(store, handler, "a")).toEqual({ ok: true, replayed: 3 });
    expect(calls).toEqual([
      ["s1", ["1", "2"]],
      ["s2", ["3"]],
    ]);
    expect(await store.parkedOf("a")).toEqual({ records: [] });
  });

  it("also replays what the consumer parked meanwhile before lifting the block", async () => {
    const store = new InMemoryParkingStore();
    await store.park(parked(1));
    let first = true;
    const seen: string[] = [];
    const handler: RecordHandler = async ({ records }) => {
      seen.push(...records.map((r) => r.sequenceNumber));
      if (first) await store.park(parked(2)); // the consumer parks a newer record behind the block
      first = false;
      return undefined;
    };
    expect(await replayParked(store, handler, "a")).toEqual({ ok: true, replayed: 2 });
    expect(seen).toEqual(["1", "2"]);
    expect(await store.listBlocked()).toEqual([]);
  });

  it("stops at a failure, keeping it and everything after it parked and the block in place", async () => {
    const store = new InMemoryParkingStore();
    for (const p of [parked(1), parked(2), parked(3)]) await store.park(p);
    const handler: RecordHandler = async () => ({ failedSequenceNumber: "2" });
    expect(await replayParked(store, handler, "a")).toMatchObject({
      ok: false,
      reason: "HANDLER_FAILED",
      replayed: 1,
      failedSequenceNumber: "2",
    });
    const left = await store.parkedOf("a");
    expect(left.records.map((r) => r.record.sequenceNumber)).toEqual(["2", "3"]);
    expect(left.block).toBeDefined();
  });

  it("says so when nothing is parked", async () => {
    expect(await replayParked(new InMemoryParkingStore(), async () => undefined, "x")).toEqual({
      ok: false,
      reason: "NOT_PARKED",
    });
    expect(await discardParked(new InMemoryParkingStore(), "x")).toEqual({ notParked: true });
  });
});
