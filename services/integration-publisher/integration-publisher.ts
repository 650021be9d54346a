import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { Logger } from "../logging/logger.js";
import { journalAggregateKey, journalPosition } from "../read-model/journal-keys.js";
import type { ConsumerConfig } from "../streams/coordinator/config.js";
import { StreamWorker } from "../streams/coordinator/stream-worker.js";
import type { Heartbeat } from "../streams/health/heartbeat.js";
import { DynamoDbLeaseStore } from "../streams/leases/dynamodb/dynamodb-lease-store.js";
import type { WorkerId } from "../streams/leases/lease.js";
import { type ConsumerMetrics, noMetrics } from "../streams/metrics/consumer-metrics.js";
import { DynamoDbParkingStore } from "../streams/parking/dynamodb-parking-store.js";
import { createResilientProcessBatch } from "../streams/processing/resilient-process-batch.js";
import type { BatchRetryPolicy } from "../streams/processing/retry-policy.js";
import type { StreamClient } from "../streams/retrieval/stream-client.js";
import { isPublishTransient, publishHandler } from "./publish-handler.js";
import type { PublisherMetrics } from "./publisher-metrics.js";

export interface IntegrationPublisherOptions {
  readonly workerId: WorkerId;
  /** The journal's change source: the same stream the read-model consumer reads. */
  readonly client: StreamClient;
  readonly streamArn: string;
  readonly dynamo: DynamoDBClient;
  /** The publisher's own lease and parked tables (never the projector's). */
  readonly tables: { readonly leases: string; readonly parked: string };
  readonly sns: SNSClient;
  readonly topicArn: string;
  readonly logger: Logger;
  readonly metrics?: ConsumerMetrics;
  readonly publisherMetrics?: PublisherMetrics;
  readonly heartbeat?: Heartbeat;
  readonly retryPolicy?: Partial<BatchRetryPolicy>;
  readonly config?: Partial<ConsumerConfig>;
}

/**
 * The one composition of the integration publisher (its main.ts and the tests): the streams
 * library with the publisher's own lease table, the SNS handler behind the projector's retries,
 * bisection and per-item parking. No trimmed-data policy: events trimmed from the stream before
 * they were published cannot be published, so the shard stops (state TRIMMED, error log and
 * `TrimmedDataDetected`) rather than skip them silently. Not started: call `start()`.
 */
export const createIntegrationPublisher = (options: IntegrationPublisherOptions): StreamWorker => {
  const { dynamo, logger, heartbeat } = options;
  const metrics = options.metrics ?? noMetrics;
  return new StreamWorker({
    workerId: options.workerId,
    client: options.client,
    streamArn: options.streamArn,
    leases: new DynamoDbLeaseStore(dynamo, options.tables.leases),
    processBatch: createResilientProcessBatch({
      handler: publishHandler({
        sns: options.sns,
        topicArn: options.topicArn,
        ...(options.publisherMetrics ? { metrics: options.publisherMetrics } : {}),
      }),
      parking: new DynamoDbParkingStore(dynamo, options.tables.parked),
      keyOf: journalAggregateKey,
      positionOf: journalPosition,
      isTransient: isPublishTransient,
      metrics,
      logger,
      ...(heartbeat ? { onAttempt: heartbeat.shardProgress } : {}),
      ...(options.retryPolicy ? { policy: options.retryPolicy } : {}),
    }),
    metrics,
    ...(heartbeat ? { heartbeat } : {}),
    ...(options.config ? { config: options.config } : {}),
    onError: (e, during) => logger.error({ error: String(e) }, `integration publisher: ${during}`),
  });
};
