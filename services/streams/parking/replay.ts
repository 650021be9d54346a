import { committedCount, type RecordHandler } from "../processing/process-batch.js";
import type { ParkedRecord, ParkingStore } from "./parking-store.js";

export type ReplayOutcome =
  | { readonly ok: true; readonly replayed: number }
  | { readonly ok: false; readonly reason: "NOT_PARKED" }
  | {
      readonly ok: false;
      readonly reason: "HANDLER_FAILED";
      readonly replayed: number;
      readonly failedSequenceNumber: string;
      readonly error: string;
    };

/** Consecutive records of one shard, at most `size` long, in order. */
const runs = (records: readonly ParkedRecord[], size: number): ParkedRecord[][] => {
  const out: ParkedRecord[][] = [];
  for (const r of records) {
    const last = out.at(-1);
    if (last && last.length < size && last[0]?.shardId === r.shardId) last.push(r);
    else out.push([r]);
  }
  return out;
};

/** Rounds before giving up when the consumer keeps parking new records behind the block. */
const MAX_ROUNDS = 20;

/**
 * Re-runs an aggregate's parked records through the handler in order, removing each run once
 * committed, then lifts the block. If the consumer parked more records meanwhile, the block's
 * version moved: those are replayed too before the block is lifted. A failure stops the replay;
 * what failed and everything after it stays parked (and the aggregate blocked).
 */
export const replayParked = async (
  store: ParkingStore,
  handler: RecordHandler,
  aggregateKey: string,
  runSize = 100,
): Promise<ReplayOutcome> => {
  let replayed = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { block, records } = await store.parkedOf(aggregateKey);
    if (!block && records.length === 0)
      return round === 0 ? { ok: false, reason: "NOT_PARKED" } : { ok: true, replayed };
    for (const run of runs(records, runSize)) {
      const first = run[0] as ParkedRecord;
      let failed: { at: number; error: string } | undefined;
      try {
        const records = run.map((r) => r.record);
        const at = committedCount(records, await handler({ shardId: first.shardId, records }));
        if (at < run.length) failed = { at, error: "handler reported a failed record" };
      } catch (e) {
        failed = { at: 0, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
      }
      const done = failed ? run.slice(0, failed.at) : run;
      await store.remove(
        aggregateKey,
        done.map((r) => r.position),
      );
      replayed += done.length;
      if (failed) {
        const bad = run[failed.at] as ParkedRecord;
        return {
          ok: false,
          reason: "HANDLER_FAILED",
          replayed,
          failedSequenceNumber: bad.record.sequenceNumber,
          error: failed.error,
        };
      }
    }
    if (!block || (await store.unblock(aggregateKey, block.version))) return { ok: true, replayed };
  }
  throw new Error(
    `replay of ${aggregateKey}: records kept being parked during ${MAX_ROUNDS} rounds`,
  );
};

/**
 * Drops an aggregate's parked records and lifts its block. The events themselves stay in the
 * journal (the source of truth): the item's next event heals the gap from it, and a rebuild
 * applies them too, so discarding cannot skip an event for good. Returns how many.
 */
export const discardParked = async (
  store: ParkingStore,
  aggregateKey: string,
): Promise<{ readonly discarded: number } | { readonly notParked: true }> => {
  let discarded = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { block, records } = await store.parkedOf(aggregateKey);
    if (!block && records.length === 0) return round === 0 ? { notParked: true } : { discarded };
    await store.remove(
      aggregateKey,
      records.map((r) => r.position),
    );
    discarded += records.length;
    if (!block || (await store.unblock(aggregateKey, block.version))) return { discarded };
  }
  throw new Error(
    `discard of ${aggregateKey}: records kept being parked during ${MAX_ROUNDS} rounds`,
  );
};
