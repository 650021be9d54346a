import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Logger } from "../logging/logger.js";
import type { ConsumerConfig } from "../streams/coordinator/config.js";
import { StreamWorker } from "../streams/coordinator/stream-worker.js";
import type { Heartbeat } from "../streams/health/heartbeat.js";
import { DynamoDbLeaseStore } from "../streams/leases/dynamodb/dynamodb-lease-store.js";
import type { WorkerId } from "../streams/leases/lease.js";
import { type ConsumerMetrics, noMetrics } from "../streams/metrics/consumer-metrics.js";
import { DynamoDbParkingStore } from "../streams/parking/dynamodb-parking-store.js";
import type { RecordHandler } from "../streams/processing/process-batch.js";
import { createResilientProcessBatch } from "../streams/processing/resilient-process-batch.js";
import type { BatchRetryPolicy } from "../streams/processing/retry-policy.js";
import type { StreamClient } from "../streams/retrieval/stream-client.js";
import type { TrimmedDataPolicy } from "../streams/trimmed/trimmed-data-policy.js";
import { journalAggregateKey, journalPosition } from "./journal-keys.js";

/** What every application on the journal's stream is given (its main.ts, `npm start`, tests). */
export interface JournalWorkerOptions {
  readonly workerId: WorkerId;
  /** The journal's change source (its DynamoDB stream, or the Kinesis stream it feeds). */
  readonly client: StreamClient;
  readonly streamArn: string;
  readonly dynamo: DynamoDBClient;
  /** The application's own lease table and parked-records table. */
  readonly tables: { readonly leases: string; readonly parked: string };
  readonly logger: Logger;
  readonly metrics?: ConsumerMetrics;
  readonly heartbeat?: Heartbeat;
  readonly retryPolicy?: Partial<BatchRetryPolicy>;
  readonly config?: Partial<ConsumerConfig>;
}

/** What one application does with the journal's records. */
export interface JournalApplication {
  /** Prefixes its error and warning lines ("<name>: <during>"). */
  readonly name: string;
  readonly handler: RecordHandler;
  readonly isTransient?: (error: unknown) => boolean;
  /** Without one, a trimmed shard stops (state TRIMMED). */
  readonly trimmedPolicy?: TrimmedDataPolicy;
}

/**
 * A worker on the journal's stream with its own lease table: records handled in version order
 * per item, behind the streams library's retries, bisection and per-item parking
 * (docs/failure-handling.md). Not started: call `start()`.
 */
export const createJournalWorker = (
  options: JournalWorkerOptions,
  app: JournalApplication,
): StreamWorker => {
  const { dynamo, logger, heartbeat } = options;
  const metrics = options.metrics ?? noMetrics;
  return new StreamWorker({
    workerId: options.workerId,
    client: options.client,
    streamArn: options.streamArn,
    leases: new DynamoDbLeaseStore(dynamo, options.tables.leases),
    processBatch: createResilientProcessBatch({
      handler: app.handler,
      parking: new DynamoDbParkingStore(dynamo, options.tables.parked),
      keyOf: journalAggregateKey,
      positionOf: journalPosition,
      isTransient: app.isTransient,
      metrics,
      logger,
      ...(heartbeat ? { onAttempt: heartbeat.shardProgress } : {}),
      ...(options.retryPolicy ? { policy: options.retryPolicy } : {}),
    }),
    trimmedPolicy: app.trimmedPolicy,
    metrics,
    ...(heartbeat ? { heartbeat } : {}),
    ...(options.config ? { config: options.config } : {}),
    onError: (e, during) => logger.error({ error: String(e) }, `${app.name}: ${during}`),
    onWarning: (e, during) => logger.warn({ error: String(e) }, `${app.name}: ${during}`),
  });
};
