import { expect, it } from "vitest";
import type { ParkedRecord, ParkingStore } from "../../services/streams/parking/parking-store.js";
import { describeContract, type OpenStore } from "./store-contract.js";

const at = new Date("2026-11-29T05:00:00.000Z");
const parked = (aggregateKey: string, n: number): ParkedRecord => ({
  aggregateKey,
  position: String(n).padStart(20, "0"),
  shardId: "shard-1",
  record: {
    sequenceNumber: String(100 + n),
    approximateCreationTime: at,
    keys: { aggregateId: { S: aggregateKey }, sequenceNumber: { N: String(n) } },
    newImage: { payload: { B: new Uint8Array([1, 2, n]) } },
  },
  reason: "RetryAttemptsExhausted",
  error: "Error: boom",
  attempts: 3,
  firstFailedAt: at,
  parkedAt: at,
});

/**
 * What every ParkingStore promises, run against the DynamoDB store on DynamoDB Local and against
 * the in-memory one the unit and simulation tests rely on.
 */
export const parkingStoreContract = (name: string, open: OpenStore<ParkingStore>): void =>
  describeContract(`${name} (the ParkingStore contract)`, open, (store) => {
    it("round-trips a parked record, binary image included; parking it again keeps the first copy", async () => {
      await store().park(parked("agg-1", 2));
      // Redelivered after a crash: now behind its own block, it must not overwrite the original.
      await store().park({ ...parked("agg-1", 2), reason: "BehindParkedRecord", attempts: 0 });
      await store().park(parked("agg-1", 1));
      const { block, records } = await store().parkedOf("agg-1");
      expect(records).toEqual([parked("agg-1", 1), parked("agg-1", 2)]);
      expect(block).toEqual({
        aggregateKey: "agg-1",
        version: 2,
        firstParkedAt: at,
        lastParkedAt: at,
      });
    });

    it("finds the blocked aggregates among more keys than one BatchGetItem takes", async () => {
      await store().park(parked("agg-250", 1));
      const keys = Array.from({ length: 300 }, (_, i) => `agg-${i}`);
      expect(await store().blockedAmong(keys)).toEqual(new Set(["agg-1", "agg-250"]));
    });

    it("lifts a block only if nothing was parked since its version was read", async () => {
      const before = (await store().parkedOf("agg-250")).block?.version as number;
      await store().park(parked("agg-250", 2)); // the consumer parks another record meanwhile
      expect(await store().unblock("agg-250", before)).toBe(false);
      expect(await store().unblock("agg-250", before + 1)).toBe(true);
      expect(await store().blockedAmong(["agg-250"])).toEqual(new Set());
      expect((await store().listBlocked()).map((b) => b.aggregateKey)).toEqual(["agg-1"]);
    });
  });
