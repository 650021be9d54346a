import { PublishBatchCommand, type SNSClient } from "@aws-sdk/client-sns";
import { LRUCache } from "lru-cache";
import { eventOfJournalItem } from "../event-store/journal.js";
import {
  type IntegrationMessage,
  integrationMessageOf,
} from "../integration-events/item-integration-events.js";
import type { RecordHandler } from "../streams/processing/process-batch.js";
import { isInfrastructureError } from "../streams/processing/transient-errors.js";
import type { StreamRecord } from "../streams/retrieval/stream-client.js";
import { noPublisherMetrics, type PublisherMetrics } from "./publisher-metrics.js";

/** PublishBatch's service maximum. */
const MAX_ENTRIES = 10;

/** SNS said the service failed these entries (SenderFault false): retried, never blamed on them. */
export class PublishEntriesFailedError extends Error {
  override readonly name = "PublishEntriesFailedError";
}

/** SNS refused entries as invalid (SenderFault true): the record's fault, retried then parked. */
export class PublishEntriesRejectedError extends Error {
  override readonly name = "PublishEntriesRejectedError";
}

/** The publisher's `isTransient`: retried with backoff, never counted against a record. */
export const isPublishTransient = (e: unknown): boolean =>
  e instanceof PublishEntriesFailedError || isInfrastructureError(e);

export interface PublishHandlerOptions {
  readonly sns: SNSClient;
  readonly topicArn: string;
  readonly metrics?: PublisherMetrics;
}

/** How many accepted records are remembered, so a retry re-sends only what SNS did not take. */
const REMEMBERED_ACCEPTED = 100_000;

interface Pending {
  readonly key: string;
  readonly message: IntegrationMessage;
}

/**
 * The publisher's record handler: journal record → integration event → SNS FIFO topic.
 *
 * - Every record is decoded and mapped before anything is sent: an undecodable (poison) record
 *   throws, and the resilient batch bisects down to it and parks it per item.
 * - A PublishBatch holds at most one message per item (message group): if SNS fails an entry,
 *   no later event of that item was sent with it, so re-sending the failed entry keeps the
 *   item's order. Other items keep going in the same call.
 * - Accepted records are remembered (by shard and sequence number): when the batch is retried,
 *   only what SNS did not accept is sent again, under the same deduplication id.
 * - Resolves only when SNS accepted every message of the batch, so the checkpoint never passes
 *   an unpublished event. Otherwise it throws: PublishEntriesFailedError (service fault:
 *   retried without limit), PublishEntriesRejectedError (sender fault: counted, then parked), or
 *   the SDK's own error for a request that failed as a whole.
 */
export const publishHandler = (options: PublishHandlerOptions): RecordHandler => {
  const metrics = options.metrics ?? noPublisherMetrics;
  const accepted = new LRUCache<string, true>({ max: REMEMBERED_ACCEPTED });

  const send = async (wave: readonly Pending[]) => {
    const out = await options.sns.send(
      new PublishBatchCommand({
        TopicArn: options.topicArn,
        PublishBatchRequestEntries: wave.map((p, i) => ({
          Id: String(i),
          Message: p.message.body,
          MessageGroupId: p.message.groupId,
          MessageDeduplicationId: p.message.deduplicationId,
          MessageAttributes: {
            eventType: { DataType: "String", StringValue: p.message.eventType },
          },
        })),
      }),
    );
    return {
      ok: new Set((out.Successful ?? []).map((s) => Number(s.Id))),
      failed: (out.Failed ?? []).map((f) => ({ index: Number(f.Id), ...f })),
    };
  };

  return async ({ shardId, records }) => {
    const keyOf = (r: StreamRecord) => `${shardId}/${r.sequenceNumber}`;
    const queues = new Map<string, Pending[]>();
    for (const record of records) {
      const key = keyOf(record);
      if (accepted.has(key)) continue;
      const stored = eventOfJournalItem(record.newImage);
      const message = stored ? integrationMessageOf(stored) : undefined;
      if (!message) continue;
      const queue = queues.get(message.groupId) ?? [];
      queue.push({ key, message });
      queues.set(message.groupId, queue);
    }

    const blocked = new Set<string>();
    const faults = { sender: [] as string[], service: [] as string[] };
    for (;;) {
      const wave = [...queues.entries()]
        .filter(([group, queue]) => queue.length > 0 && !blocked.has(group))
        .map(([, queue]) => queue[0] as Pending)
        .slice(0, MAX_ENTRIES);
      if (wave.length === 0) break;
      const { ok, failed } = await send(wave);
      wave.forEach((p, i) => {
        if (!ok.has(i)) return;
        accepted.set(p.key, true);
        queues.get(p.message.groupId)?.shift();
      });
      if (ok.size > 0) metrics.published(ok.size);
      if (failed.length > 0) metrics.failed(failed.length);
      for (const f of failed) {
        const p = wave[f.index];
        if (p) blocked.add(p.message.groupId);
        (f.SenderFault ? faults.sender : faults.service).push(`${f.Code}: ${f.Message ?? ""}`);
      }
    }
    if (faults.sender.length > 0)
      throw new PublishEntriesRejectedError(`SNS rejected: ${faults.sender.join("; ")}`);
    if (faults.service.length > 0)
      throw new PublishEntriesFailedError(`SNS failed: ${faults.service.join("; ")}`);
    return undefined;
  };
};
