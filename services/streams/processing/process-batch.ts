import type { StreamRecord } from "../retrieval/stream-client.js";

/** One ordered batch of one shard, as a handler receives it. */
export interface HandlerInput {
  readonly shardId: string;
  readonly records: readonly StreamRecord[];
}

/**
 * What a handler reports. Resolve only once its effect is committed. `failedSequenceNumber`
 * (partial failure, like Lambda's ReportBatchItemFailures): records before it are done, it
 * and everything after it are retried. Throwing fails the whole batch.
 */
export type HandlerResult = undefined | { readonly failedSequenceNumber: string };

export type RecordHandler = (input: HandlerInput) => Promise<HandlerResult | undefined>;

/**
 * The seam between shard reading (leases, checkpoints) and failure handling (retries,
 * bisection, parking). Given a batch, it returns the sequence number up to which the shard may
 * be checkpointed (undefined: nothing may be checkpointed yet; the consumer re-reads from its
 * last checkpoint).
 */
export type ProcessBatch = (
  input: ProcessBatchInput,
) => Promise<{ readonly checkpointUpTo?: string }>;

/**
 * A batch plus the consumer's stop signal: on abort (shutdown, lease lost) a waiting retry ends
 * early and the result covers only what is already committed or parked.
 */
export interface ProcessBatchInput extends HandlerInput {
  readonly signal?: AbortSignal;
}

/**
 * How many leading records a handler result says are committed: all without a
 * `failedSequenceNumber`, those before it with one, none when it names no record of the batch.
 */
export const committedCount = (
  records: readonly StreamRecord[],
  result: HandlerResult | undefined,
): number =>
  result?.failedSequenceNumber
    ? Math.max(
        0,
        records.findIndex((r) => r.sequenceNumber === result.failedSequenceNumber),
      )
    : records.length;

/**
 * No retries, bisection or parking (npm start, e2e, the simulations): a throw checkpoints
 * nothing and the batch is read again.
 */
export const simpleProcessBatch =
  (handler: RecordHandler): ProcessBatch =>
  async (input) => {
    const done = input.records[committedCount(input.records, await handler(input)) - 1];
    return done ? { checkpointUpTo: done.sequenceNumber } : {};
  };
