import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DataSource } from "typeorm";
import type { Logger } from "../logging/logger.js";
import { journalAggregateKey, journalPosition } from "../read-model/journal-keys.js";
import { DynamoDbNeedsRebuildStore } from "../read-model/needs-rebuild-store.js";
import type { JournalReader, VersionReached } from "../read-model/projector.js";
import { readModelHandler } from "../read-model/stream-handler.js";
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
import { createTrimmedStreamPolicy } from "../streams/trimmed/trimmed-stream-policy.js";

export interface ReadModelConsumerOptions {
  readonly workerId: WorkerId;
  /** The journal's change source (its DynamoDB stream, or the Kinesis stream it feeds). */
  readonly client: StreamClient;
  readonly streamArn: string;
  readonly dynamo: DynamoDBClient;
  /** Physical names of the lease table and the parked-records table (also holds markers). */
  readonly tables: { readonly leases: string; readonly parked: string };
  readonly db: DataSource;
  readonly schema?: string;
  /** Consistent reads for gap healing. */
  readonly journal: JournalReader;
  readonly logger: Logger;
  readonly metrics?: ConsumerMetrics;
  readonly heartbeat?: Heartbeat;
  readonly retryPolicy?: Partial<BatchRetryPolicy>;
  readonly config?: Partial<ConsumerConfig>;
  /** In-process read-your-writes (the local stack, where NOTIFY does not cross connections). */
  readonly onCommitted?: (reached: readonly VersionReached[]) => void;
}

/**
 * The one composition of the read-model consumer, for the deployable, `npm start` and the e2e
 * test alike: the projection behind retries, bisection and per-aggregate parking
 * (docs/failure-handling.md), the trimmed-stream policy with its needs-rebuild markers, and the
 * lease table in DynamoDB. Not started: call `start()`.
 */
export const createReadModelConsumer = (options: ReadModelConsumerOptions): StreamWorker => {
  const { dynamo, client, streamArn, logger, heartbeat } = options;
  const metrics = options.metrics ?? noMetrics;
  return new StreamWorker({
    workerId: options.workerId,
    client,
    streamArn,
    leases: new DynamoDbLeaseStore(dynamo, options.tables.leases),
    processBatch: createResilientProcessBatch({
      handler: readModelHandler({
        db: options.db,
        journal: options.journal,
        ...(options.schema ? { schema: options.schema } : {}),
        ...(options.onCommitted ? { onCommitted: options.onCommitted } : {}),
      }),
      parking: new DynamoDbParkingStore(dynamo, options.tables.parked),
      keyOf: journalAggregateKey,
      positionOf: journalPosition,
      metrics,
      logger,
      ...(heartbeat ? { onAttempt: heartbeat.shardProgress } : {}),
      ...(options.retryPolicy ? { policy: options.retryPolicy } : {}),
    }),
    trimmedPolicy: createTrimmedStreamPolicy({
      client,
      streamArn,
      needsRebuild: new DynamoDbNeedsRebuildStore(dynamo, options.tables.parked),
      metrics,
      logger,
    }),
    metrics,
    ...(heartbeat ? { heartbeat } : {}),
    ...(options.config ? { config: options.config } : {}),
    onError: (e, during) => logger.error({ error: String(e) }, `stream consumer: ${during}`),
  });
};
