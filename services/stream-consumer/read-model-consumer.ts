import type { DataSource } from "typeorm";
import { createJournalWorker, type JournalWorkerOptions } from "../read-model/journal-worker.js";
import { DynamoDbNeedsRebuildStore } from "../read-model/needs-rebuild-store.js";
import type { JournalReader, VersionReached } from "../read-model/projector.js";
import { readModelHandler } from "../read-model/stream-handler.js";
import type { StreamWorker } from "../streams/coordinator/stream-worker.js";
import { createTrimmedStreamPolicy } from "../streams/trimmed/trimmed-stream-policy.js";

/** Its `tables.parked` also holds the "needs rebuild" markers. */
export interface ReadModelConsumerOptions extends JournalWorkerOptions {
  readonly db: DataSource;
  readonly schema?: string;
  /** Consistent reads for gap healing. */
  readonly journal: JournalReader;
  /** In-process read-your-writes (the local stack, where NOTIFY does not cross connections). */
  readonly onCommitted?: (reached: readonly VersionReached[]) => void;
}

/**
 * The one composition of the read-model consumer, for the deployable, `npm start` and the e2e
 * test alike: the projection behind retries, bisection and per-aggregate parking
 * (docs/failure-handling.md), the trimmed-stream policy with its needs-rebuild markers, and the
 * lease table in DynamoDB. Not started: call `start()`.
 */
export const createReadModelConsumer = (options: ReadModelConsumerOptions): StreamWorker =>
  createJournalWorker(options, {
    name: "stream consumer",
    handler: readModelHandler({
      db: options.db,
      journal: options.journal,
      ...(options.schema ? { schema: options.schema } : {}),
      ...(options.onCommitted ? { onCommitted: options.onCommitted } : {}),
    }),
    trimmedPolicy: createTrimmedStreamPolicy({
      client: options.client,
      streamArn: options.streamArn,
      needsRebuild: new DynamoDbNeedsRebuildStore(options.dynamo, options.tables.parked),
      metrics: options.metrics,
      logger: options.logger,
    }),
  });
