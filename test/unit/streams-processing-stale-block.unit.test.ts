import { describe, expect, it } from "vitest";
import { silentLogger } from "../../services/logging/logger.js";
import type { RecordHandler } from "../../services/streams/processing/process-batch.js";
import { createResilientProcessBatch } from "../../services/streams/processing/resilient-process-batch.js";
import type { StreamRecord } from "../../services/streams/retrieval/stream-client.js";
import { InMemoryParkingStore } from "../streams-sim/in-memory-parking-store.js";
import { FakeClock } from "../support/fake-clock.js";

const record = (seq: number, aggregate: string): StreamRecord => ({
  sequenceNumber: String(seq).padStart(21, "0"),
  approximateCreationTime: new Date(0),
  keys: { aggregateId: { S: aggregate } },
});

describe("blocks read by a batch that retries", () => {
  it("an aggregate replayed while the batch waits to retry is not blocked again by a stale read", async () => {
    const parking = new InMemoryParkingStore();
    const committed: string[] = [];
    let yFailures = 0;
    const handler: RecordHandler = async ({ records }) => {
      if (records.some((r) => r.sequenceNumber.endsWith("1"))) throw new Error("x1 is poison");
      if (records[0]?.keys.aggregateId?.S === "y" && yFailures++ === 0) {
        // Meanwhile an operator fixed the cause and replayed x: the block is lifted.
        const { block, records: parked } = await parking.parkedOf("x");
        await parking.remove(
          "x",
          parked.map((p) => p.position),
        );
        await parking.unblock("x", block?.version ?? 0);
        throw new Error("y failed once");
      }
      committed.push(...records.map((r) => `${r.keys.aggregateId?.S}${Number(r.sequenceNumber)}`));
      return undefined;
    };
    const process = createResilientProcessBatch({
      handler,
      parking,
      keyOf: (r) => r.keys.aggregateId?.S ?? "",
      policy: { maxRetries: 1, maxRecordAgeMs: -1 },
      clock: new FakeClock({ autoAdvance: true }),
      random: () => 0.5,
      logger: silentLogger,
    });
    const records = [record(1, "x"), record(2, "y"), record(3, "x")];

    expect(await process({ shardId: "s1", records })).toEqual({
      checkpointUpTo: records[2]?.sequenceNumber,
    });
    expect(committed).toEqual(["y2", "x3"]);
    expect(await parking.parkedOf("x")).toEqual({ records: [] });
  });
});
