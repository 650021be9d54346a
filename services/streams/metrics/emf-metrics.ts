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

/** Writes metrics as one EMF line, with extra per-line properties (shard ids, aggregate keys). */
export type EmfEmit = (
  metrics: readonly EmfMetric[],
  properties?: Readonly<Record<string, string | number>>,
) => void;

/**
 * The one EMF emitter every metrics adapter is built on (the consumer's below, the publisher's):
 * one namespace, `Service` the only dimension, the options' properties on every line.
 */
export const createEmfEmitter = (
  options: EmfMetricsOptions & { readonly namespace: string },
): EmfEmit => {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clock = options.clock ?? systemClock;
  return (metrics, properties = {}) =>
    write(
      emfLine({
        namespace: options.namespace,
        timestamp: new Date(clock.now()),
        dimensions: { Service: options.service },
        metrics,
        properties: { ...options.properties, ...properties },
      }),
    );
};

/** A count metric. */
export const emfCount = (name: string, value = 1): EmfMetric => ({ name, unit: "Count", value });

/** The stream consumer's EMF namespace (the default); the CDK alarms read it from here. */
export const CONSUMER_NAMESPACE = "ItemService/StreamConsumer";

/**
 * ConsumerMetrics as EMF lines: CloudWatch extracts the metrics from the log stream with no
 * agent and no PutMetricData calls. The only dimension is `Service` (shard ids roll over every
 * few hours and would create a metric per shard); shard ids travel as properties instead.
 */
export const createEmfMetrics = (options: EmfMetricsOptions): ConsumerMetrics => {
  const emit = createEmfEmitter({
    ...options,
    namespace: options.namespace ?? CONSUMER_NAMESPACE,
  });

  return {
    recordsProcessed: (shardId, n) => emit([emfCount("RecordsProcessed", n)], { ShardId: shardId }),
    batchProcessed: (shardId, millisBehindLatest) =>
      emit(
        [
          emfCount("BatchesProcessed"),
          { name: "MillisBehindLatest", unit: "Milliseconds", value: millisBehindLatest },
        ],
        { ShardId: shardId },
      ),
    leasesHeld: (n) => emit([emfCount("LeasesHeld", n)]),
    leaseTaken: (shardId, stolen) =>
      emit([emfCount("LeasesTaken"), emfCount("LeasesStolen", stolen ? 1 : 0)], {
        ShardId: shardId,
      }),
    leaseLost: (shardId) => emit([emfCount("LeasesLost")], { ShardId: shardId }),
    retry: (shardId) => emit([emfCount("Retries")], { ShardId: shardId }),
    parked: (aggregateKey, n) =>
      emit([emfCount("RecordsParked", n)], { AggregateKey: aggregateKey }),
    trimmed: (shardId, checkpoint) =>
      emit([emfCount("TrimmedDataDetected")], { ShardId: shardId, Checkpoint: checkpoint }),
    // One metric per kind: a hot loop of one kind is alarmed without a dimension per shard.
    readRetried: (shardId, kind) => emit([emfCount(`ReadRetries${kind}`)], { ShardId: shardId }),
    shardNotFoundEscalated: (shardId) =>
      emit([emfCount("ShardNotFoundEscalated")], { ShardId: shardId }),
  };
};
