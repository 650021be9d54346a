import type { SNSClient } from "@aws-sdk/client-sns";
import { createJournalWorker, type JournalWorkerOptions } from "../read-model/journal-worker.js";
import type { StreamWorker } from "../streams/coordinator/stream-worker.js";
import { isPublishTransient, publishHandler } from "./publish-handler.js";
import type { PublisherMetrics } from "./publisher-metrics.js";

/** Its `tables` are the publisher's own lease and parked tables (never the projector's). */
export interface IntegrationPublisherOptions extends JournalWorkerOptions {
  readonly sns: SNSClient;
  readonly topicArn: string;
  readonly publisherMetrics?: PublisherMetrics;
}

/**
 * The one composition of the integration publisher (its main.ts and the tests): the streams
 * library with the publisher's own lease table, the SNS handler behind the projector's retries,
 * bisection and per-item parking. No trimmed-data policy: events trimmed from the stream before
 * they were published cannot be published, so the shard stops (state TRIMMED, error log and
 * `TrimmedDataDetected`) rather than skip them silently. Not started: call `start()`.
 */
export const createIntegrationPublisher = (options: IntegrationPublisherOptions): StreamWorker =>
  createJournalWorker(options, {
    name: "integration publisher",
    handler: publishHandler({
      sns: options.sns,
      topicArn: options.topicArn,
      ...(options.publisherMetrics ? { metrics: options.publisherMetrics } : {}),
    }),
    isTransient: isPublishTransient,
  });
