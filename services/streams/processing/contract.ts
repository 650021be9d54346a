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

/** Part-1 behaviour: call the handler; a throw checkpoints nothing and the batch is retried. */
export const simpleProcessBatch =
  (handler: RecordHandler): ProcessBatch =>
  async (input) => {
    const result = await handler(input);
    if (result?.failedSequenceNumber) {
      const i = input.records.findIndex((r) => r.sequenceNumber === result.failedSequenceNumber);
      const done = i > 0 ? input.records[i - 1] : undefined;
      return done ? { checkpointUpTo: done.sequenceNumber } : {};
    }
    const last = input.records.at(-1);
    return last ? { checkpointUpTo: last.sequenceNumber } : {};
  };
