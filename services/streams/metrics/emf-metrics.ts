import { type Clock, systemClock } from "../../clock/clock.js";
import type { ConsumerMetrics } from "./consumer-metrics.js";

export type EmfUnit = "Count" | "Milliseconds";

export interface EmfMetric {
  readonly name: string;
  readonly unit: EmfUnit;
  readonly value: number;
}

export interface EmfEvent {
  readonly namespace: string;
  readonly timestamp: Date;
  /** Dimension values; all of them form the one dimension set. Keep cardinality low. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly metrics: readonly EmfMetric[];
  /** Extra searchable fields (shard ids, aggregate keys): log properties, not dimensions. */
  readonly properties?: Readonly<Record<string, string | number>>;
}

/** Pure: one CloudWatch Embedded Metric Format log line (JSON, no newline). */
export const emfLine = (event: EmfEvent): string =>
  JSON.stringify({
    ...event.properties,
    ...event.dimensions,
    ...Object.fromEntries(event.metrics.map((m) => [m.name, m.value])),
    _aws: {
      Timestamp: event.timestamp.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: event.namespace,
          Dimensions: [Object.keys(event.dimensions)],
          Metrics: event.metrics.map((m) => ({ Name: m.name, Unit: m.unit })),
        },
      ],
    },
  });

export interface EmfMetricsOptions {
  readonly namespace?: string;
  /** The `Service` dimension (e.g. the deployable's name). */
  readonly service: string;
  /** Where lines go: stdout by default (the awslogs driver ships it to CloudWatch Logs). */
  readonly write?: (line: string) => void;
  /** The lines' timestamps. */
  readonly clock?: Clock;
  /** Added to every line as properties, e.g. `{ WorkerId }`. */
  readonly properties?: Readonly<Record<string, string>>;
}

/** The stream consumer's EMF namespace (the default); the CDK alarms read it from here. */
export const CONSUMER_NAMESPACE = "ItemService/StreamConsumer";

/**
 * ConsumerMetrics as EMF lines: CloudWatch extracts the metrics from the log stream with no
 * agent and no PutMetricData calls. The only dimension is `Service` (shard ids roll over every
 * few hours and would create a metric per shard); shard ids travel as properties instead.
 */
export const createEmfMetrics = (options: EmfMetricsOptions): ConsumerMetrics => {
  const namespace = options.namespace ?? CONSUMER_NAMESPACE;
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clock = options.clock ?? systemClock;
  const emit = (metrics: readonly EmfMetric[], properties: Record<string, string | number> = {}) =>
    write(
      emfLine({
        namespace,
        timestamp: new Date(clock.now()),
        dimensions: { Service: options.service },
        metrics,
        properties: { ...options.properties, ...properties },
      }),
    );
  const count = (name: string, value = 1): EmfMetric => ({ name, unit: "Count", value });

  return {
    recordsProcessed: (shardId, n) => emit([count("RecordsProcessed", n)], { ShardId: shardId }),
    batchProcessed: (shardId, millisBehindLatest) =>
      emit(
        [
          count("BatchesProcessed"),
          { name: "MillisBehindLatest", unit: "Milliseconds", value: millisBehindLatest },
        ],
        { ShardId: shardId },
      ),
    leasesHeld: (n) => emit([count("LeasesHeld", n)]),
    leaseTaken: (shardId, stolen) =>
      emit([count("LeasesTaken"), count("LeasesStolen", stolen ? 1 : 0)], { ShardId: shardId }),
    leaseLost: (shardId) => emit([count("LeasesLost")], { ShardId: shardId }),
    retry: (shardId) => emit([count("Retries")], { ShardId: shardId }),
    parked: (aggregateKey, n) => emit([count("RecordsParked", n)], { AggregateKey: aggregateKey }),
    trimmed: (shardId, checkpoint) =>
      emit([count("TrimmedDataDetected")], { ShardId: shardId, Checkpoint: checkpoint }),
    // One metric per kind: a hot loop of one kind is alarmed without a dimension per shard.
    readRetried: (shardId, kind) => emit([count(`ReadRetries${kind}`)], { ShardId: shardId }),
    shardNotFoundEscalated: (shardId) =>
      emit([count("ShardNotFoundEscalated")], { ShardId: shardId }),
  };
};
