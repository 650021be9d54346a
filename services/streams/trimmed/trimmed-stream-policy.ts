import { type Clock, systemClock } from "../../clock/clock.js";
import type { Logger } from "../../logging/logger.js";
import { type ConsumerMetrics, noMetrics } from "../metrics/consumer-metrics.js";
import {
  type IteratorPosition,
  type StreamClient,
  StreamReadError,
} from "../retrieval/stream-client.js";
import type { NeedsRebuildStore } from "./needs-rebuild.js";
import type { TrimmedDataPolicy } from "./trimmed-data-policy.js";

export type TrimReason = "TrimmedDataAccess" | "CheckpointBeforeTrimHorizon" | "ShardExpired";

export type TrimFinding =
  | { readonly trimmed: false }
  | { readonly trimmed: true; readonly reason: TrimReason; readonly detail: string };

/** What a look at the start of a shard (TRIM_HORIZON) showed. */
export type TrimHorizonObservation =
  | { readonly kind: "oldest"; readonly sequenceNumber: string }
  | { readonly kind: "empty"; readonly closed: boolean }
  | { readonly kind: "unreadable"; readonly error: StreamReadError }
  | { readonly kind: "inconclusive" };

/** Sequence numbers are decimal strings of varying length: compare them as integers. */
export const compareSequenceNumbers = (a: string, b: string): number => {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

const isSequenceNumber = (checkpoint: string | undefined): checkpoint is string =>
  checkpoint !== undefined && /^\d+$/.test(checkpoint);

/**
 * Pure: has the stream dropped records the consumer has not processed? True when the record the
 * checkpoint names is gone (the oldest record is newer, or none is left). Conservative: it may
 * flag a gap that held no records; a needless rebuild costs time, a missed gap loses data.
 */
export const classifyCheckpoint = (
  checkpoint: string,
  observed: TrimHorizonObservation,
): TrimFinding => {
  switch (observed.kind) {
    case "oldest":
      return compareSequenceNumbers(checkpoint, observed.sequenceNumber) < 0
        ? {
            trimmed: true,
            reason: "CheckpointBeforeTrimHorizon",
            detail: `checkpoint ${checkpoint} is older than the oldest record ${observed.sequenceNumber}`,
          }
        : { trimmed: false };
    case "empty":
      return {
        trimmed: true,
        reason: "CheckpointBeforeTrimHorizon",
        detail: `checkpoint ${checkpoint} but no record is left in the ${observed.closed ? "closed" : "open"} shard`,
      };
    case "unreadable":
      return observed.error.kind === "TrimmedDataAccess" ||
        observed.error.kind === "ResourceNotFound"
        ? {
            trimmed: true,
            reason:
              observed.error.kind === "TrimmedDataAccess" ? "TrimmedDataAccess" : "ShardExpired",
            detail: observed.error.message,
          }
        : { trimmed: false };
    case "inconclusive":
      return { trimmed: false };
  }
};

export interface TrimmedStreamPolicyOptions {
  readonly client: StreamClient;
  readonly streamArn: string;
  /**
   * Where a finding is persisted for the heal (the read model's rebuild). None for an application
   * that cannot heal (the integration publisher): the log line and the metric are the record.
   */
  readonly needsRebuild?: NeedsRebuildStore;
  /** What the loss means for this application, said in the error line. */
  readonly consequence?: string;
  readonly metrics?: ConsumerMetrics;
  /** One error line per finding. */
  readonly logger: Logger;
  /** When a finding was detected (the marker's `detectedAt`). */
  readonly clock?: Clock;
  /** Empty pages read from TRIM_HORIZON before the probe gives up (AWS may return some). */
  readonly maxProbePages?: number;
}

/** The read model's consequence, the default: it is rebuilt from the journal. */
const NEEDS_REBUILD = "the read model needs a rebuild";

/**
 * What the shard reader does about trimmed data (the DynamoDB Streams adapter silently jumps to
 * TRIM_HORIZON; we never do it silently). Policy: log an error, count `trimmed`, persist a
 * "needs rebuild" marker (when given a store), then continue from TRIM_HORIZON (the oldest data
 * still there), so the stream keeps flowing and a rebuild from the source of truth (for us, the
 * journal) heals the gap; an application without a heal goes on all the same, loudly.
 */
export interface TrimmedStreamPolicy extends TrimmedDataPolicy {
  /** Where to open a shard given its checkpoint: after it, or (reported) TRIM_HORIZON if data after it is gone. */
  startPosition(shardId: string, checkpoint: string | undefined): Promise<IteratorPosition>;
  /**
   * GetShardIterator/GetRecords threw TrimmedDataAccess. With a sequence-number checkpoint the
   * probe decides first: records after it still there means the error was spurious (RETRY, no
   * report); otherwise report it and resume at the returned position.
   */
  onTrimmedDataAccess(
    shardId: string,
    checkpoint: string,
    error: unknown,
  ): Promise<IteratorPosition | "RETRY">;
  /** The shard is gone from the stream (or unreadable) before its checkpoint reached SHARD_END: report it. */
  onShardExpired(shardId: string, checkpoint: string): Promise<void>;
  /** The probe behind `startPosition`, without reporting. */
  detect(shardId: string, checkpoint: string): Promise<TrimFinding>;
}

export const createTrimmedStreamPolicy = (
  options: TrimmedStreamPolicyOptions,
): TrimmedStreamPolicy => {
  const metrics = options.metrics ?? noMetrics;
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const maxPages = options.maxProbePages ?? 5;
  const consequence = options.consequence ?? NEEDS_REBUILD;
  const policy = options.needsRebuild
    ? "marked needs-rebuild; continuing from TRIM_HORIZON"
    : "continuing from TRIM_HORIZON";

  const probe = async (shardId: string): Promise<TrimHorizonObservation> => {
    let iterator: string | undefined = await options.client.getShardIterator(
      options.streamArn,
      shardId,
      { type: "TRIM_HORIZON" },
    );
    for (let page = 0; iterator && page < maxPages; page++) {
      const out = await options.client.getRecords(iterator, 1);
      const first = out.records[0];
      if (first) return { kind: "oldest", sequenceNumber: first.sequenceNumber };
      if (!out.nextIterator) return { kind: "empty", closed: true };
      iterator = out.nextIterator;
    }
    return { kind: "inconclusive" };
  };

  const observe = async (shardId: string): Promise<TrimHorizonObservation> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await probe(shardId);
      } catch (e) {
        // An iterator that expired under a stalled probe says nothing about the shard: take a
        // fresh one (seen on DynamoDB Local under an accelerated clock and a loaded machine).
        if (e instanceof StreamReadError && e.kind === "ExpiredIterator" && attempt < 3) continue;
        if (e instanceof StreamReadError && e.kind !== "Throttled" && e.kind !== "ExpiredIterator")
          return { kind: "unreadable", error: e };
        throw e;
      }
    }
  };

  /** Gaps already reported: the probe at open and the read after it may both meet one gap. */
  const reported = new Set<string>();
  const report = async (
    shardId: string,
    checkpoint: string,
    reason: TrimReason,
    detail: string,
  ) => {
    const gap = `${shardId}@${checkpoint}`;
    if (reported.has(gap)) return;
    logger.error(
      {
        shardId,
        checkpoint,
        reason,
        detail,
        policy,
      },
      `stream records were trimmed before they were processed; ${consequence}`,
    );
    metrics.trimmed(shardId, checkpoint);
    const detectedAt = new Date(clock.now());
    await options.needsRebuild?.mark({ shardId, checkpoint, reason, detectedAt });
    // Only once persisted: a failed mark is reported (and marked) again on the retry.
    reported.add(gap);
  };

  const detect = async (shardId: string, checkpoint: string) =>
    classifyCheckpoint(checkpoint, await observe(shardId));

  return {
    detect,
    async startPosition(shardId, checkpoint) {
      if (!isSequenceNumber(checkpoint)) return { type: "TRIM_HORIZON" };
      const finding = await detect(shardId, checkpoint);
      if (!finding.trimmed) return { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: checkpoint };
      await report(shardId, checkpoint, finding.reason, finding.detail);
      return { type: "TRIM_HORIZON" };
    },
    async onTrimmedDataAccess(shardId, checkpoint, error) {
      if (isSequenceNumber(checkpoint) && !(await detect(shardId, checkpoint)).trimmed) {
        logger.warn(
          { shardId, checkpoint, error: String(error) },
          "TrimmedDataAccess, but the records after the checkpoint are still in the stream; reading on from the checkpoint",
        );
        return "RETRY";
      }
      await report(shardId, checkpoint, "TrimmedDataAccess", String(error));
      return { type: "TRIM_HORIZON" };
    },
    async onShardExpired(shardId, checkpoint) {
      await report(shardId, checkpoint, "ShardExpired", "shard no longer readable in the stream");
    },
  };
};
