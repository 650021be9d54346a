import type { SNSClient } from "@aws-sdk/client-sns";
import { createJournalWorker, type JournalWorkerOptions } from "../read-model/journal-worker.js";
import type { StreamWorker } from "../streams/coordinator/stream-worker.js";
import {
  createTrimmedStreamPolicy,
  type TrimmedStreamPolicy,
} from "../streams/trimmed/trimmed-stream-policy.js";
import { isPublishTransient, publishHandler } from "./publish-handler.js";
import type { PublisherMetrics } from "./publisher-metrics.js";

/** Its `tables` are the publisher's own lease and parked tables (never the projector's). */
export interface IntegrationPublisherOptions extends JournalWorkerOptions {
  readonly sns: SNSClient;
  readonly topicArn: string;
  readonly publisherMetrics?: PublisherMetrics;
}

/** What trimmed records mean for subscribers: SNS history cannot be rebuilt. */
export const EVENTS_LOST =
  "their integration events were never published and are lost to subscribers";

/**
 * The publisher's answer to trimmed records: report the loss (error log with shard and
 * checkpoint, `TrimmedDataDetected`), then go on from the oldest record left or the shard's end.
 */
export const publisherTrimmedPolicy = (
  options: Pick<IntegrationPublisherOptions, "client" | "streamArn" | "logger" | "metrics">,
): TrimmedStreamPolicy =>
  createTrimmedStreamPolicy({
    client: options.client,
    streamArn: options.streamArn,
    consequence: EVENTS_LOST,
    logger: options.logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });

/**
 * The one composition of the integration publisher (its main.ts and the tests): the streams
 * library with the publisher's own lease table, the SNS handler behind the projector's retries,
 * bisection and per-item parking. Records trimmed from the stream before they were published
 * cannot be published: the trimmed-stream policy says so loudly (error log, `TrimmedDataDetected`,
 * an alarm in both deploy paths) and goes on from the oldest record left (or the shard's end), so
 * the shard keeps moving instead of holding its lease unread until /healthz fails and ECS
 * restarts the task, again and again. No needs-rebuild marker: nothing rebuilds SNS history.
 * Not started: call `start()`.
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
    trimmedPolicy: publisherTrimmedPolicy(options),
  });
