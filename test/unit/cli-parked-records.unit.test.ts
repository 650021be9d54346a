import { describe, expect, it } from "vitest";
import {
  PUBLISHER_REPLAY_REFUSED,
  runParkedRecordsCli,
  UsageError,
} from "../../services/cli/parked-records/cli.js";
import type { NeedsRebuild } from "../../services/streams/trimmed/needs-rebuild.js";
import { InMemoryParkingStore } from "../streams-sim/in-memory-parking-store.js";

const at = new Date("2026-11-29T05:00:00.000Z");

const setup = async () => {
  const store = new InMemoryParkingStore();
  await store.park({
    aggregateKey: "item-1",
    position: "00000000000000000002",
    shardId: "shard-1",
    record: {
      sequenceNumber: "17",
      approximateCreationTime: at,
      keys: { aggregateId: { S: "item-1" } },
      newImage: { payload: { B: new Uint8Array([0xde, 0xad]) } },
    },
    reason: "RetryAttemptsExhausted",
    error: "Error: boom",
    attempts: 3,
    parkedAt: at,
  });
  const markers: NeedsRebuild[] = [
    { shardId: "shard-0", checkpoint: "5", reason: "TrimmedDataAccess", detectedAt: at },
  ];
  const lines: string[] = [];
  const deps = {
    store,
    needsRebuild: { mark: async () => {}, list: async () => markers, clear: async () => {} },
    openHandler: async () => ({ handler: async () => undefined, close: async () => {} }),
    out: (t: string) => lines.push(t),
  };
  return { deps, lines };
};

describe("parked-records CLI", () => {
  it("prints usage for --help and for no command", async () => {
    const { deps, lines } = await setup();
    expect(await runParkedRecordsCli(["--help"], deps)).toBe(0);
    expect(await runParkedRecordsCli([], deps)).toBe(0);
    expect(lines[0]).toContain("Usage: parked-records <command>");
    expect(lines[1]).toBe(lines[0]);
  });

  it("lists blocked aggregates and needs-rebuild markers, as text and JSON", async () => {
    const { deps, lines } = await setup();
    expect(await runParkedRecordsCli(["list"], deps)).toBe(0);
    expect(lines[0]).toMatch(/^NEEDS REBUILD: .*shard-0 \(checkpoint 5, TrimmedDataAccess/);
    expect(lines[1]).toMatch(/^item-1 {2}1 record\(s\)/);
    lines.length = 0;
    expect(await runParkedRecordsCli(["list", "--json"], deps)).toBe(0);
    expect(JSON.parse(lines.join("\n"))).toMatchObject({
      blocked: [{ aggregateKey: "item-1", records: 1, version: 1 }],
      needsRebuild: [{ shardId: "shard-0" }],
    });
  });

  it("shows full records as JSON with binary attributes in base64", async () => {
    const { deps, lines } = await setup();
    expect(await runParkedRecordsCli(["show", "item-1", "--json"], deps)).toBe(0);
    const shown = JSON.parse(lines.join("\n"));
    expect(shown.records[0].record.newImage.payload.B).toBe("3q0=");
    expect(shown.records[0]).toMatchObject({
      reason: "RetryAttemptsExhausted",
      error: "Error: boom",
    });
  });

  it("says so when nothing is parked (exit 1)", async () => {
    const { deps, lines } = await setup();
    expect(await runParkedRecordsCli(["show", "item-9"], deps)).toBe(1);
    expect(await runParkedRecordsCli(["replay", "item-9"], deps)).toBe(1);
    expect(lines).toEqual(["Nothing is parked for item-9.", "Nothing is parked for item-9."]);
  });

  it("replay --all replays every blocked aggregate", async () => {
    const { deps, lines } = await setup();
    const [first] = (await deps.store.parkedOf("item-1")).records;
    if (!first) throw new Error("setup parked nothing");
    await deps.store.park({ ...first, aggregateKey: "item-2" });
    expect(await runParkedRecordsCli(["replay", "--all"], deps)).toBe(0);
    expect(lines.sort()).toEqual([
      "Replayed 1 record(s) of item-1; it is no longer blocked.",
      "Replayed 1 record(s) of item-2; it is no longer blocked.",
    ]);
    expect(await deps.store.listBlocked()).toEqual([]);
    await expect(runParkedRecordsCli(["replay", "--all", "item-1"], deps)).rejects.toThrow(
      "replay takes an aggregate id or --all, not both",
    );
  });

  it("--publisher: refuses to replay into the projection, and says a discarded record is never published", async () => {
    const { deps, lines } = await setup();
    let opened = 0;
    const guarded = {
      ...deps,
      openHandler: async () => {
        opened++;
        return deps.openHandler();
      },
    };
    expect(await runParkedRecordsCli(["list", "--publisher"], guarded)).toBe(0);
    expect(lines.at(-1)).toMatch(/^item-1 {2}1 record\(s\)/);
    for (const argv of [
      ["replay", "item-1", "--publisher"],
      ["replay", "--all", "--publisher"],
    ])
      await expect(runParkedRecordsCli(argv, guarded)).rejects.toThrow(
        new UsageError(PUBLISHER_REPLAY_REFUSED),
      );
    expect(PUBLISHER_REPLAY_REFUSED).toContain("not the integration publisher");
    // Nothing was run through the projection, nothing unblocked.
    expect(opened).toBe(0);
    expect((await deps.store.parkedOf("item-1")).records).toHaveLength(1);
    expect(await runParkedRecordsCli(["discard", "item-1", "--yes", "--publisher"], guarded)).toBe(
      0,
    );
    expect(lines.at(-1)).toContain("Their integration events are not published");
    expect(await deps.store.listBlocked()).toEqual([]);
  });

  it("rejects bad command lines with a readable message", async () => {
    const { deps } = await setup();
    await expect(runParkedRecordsCli(["list", "--force"], deps)).rejects.toThrow(UsageError);
    await expect(runParkedRecordsCli(["replay"], deps)).rejects.toThrow(
      '"replay" needs an aggregate id',
    );
    await expect(runParkedRecordsCli(["show", "a", "b"], deps)).rejects.toThrow(
      "unexpected arguments: b",
    );
    await expect(runParkedRecordsCli(["discard", "item-1"], deps)).rejects.toThrow(
      "discard drops 1 parked record(s) of item-1 for good; run again with --yes to confirm",
    );
  });
});
