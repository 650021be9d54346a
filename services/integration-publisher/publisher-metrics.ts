import { type Clock, systemClock } from "../clock/clock.js";
import { emfLine } from "../streams/metrics/emf-metrics.js";

/**
 * What the publisher reports besides the consumer's metrics (lag: `MillisBehindLatest`;
 * parked: `RecordsParked`): messages SNS accepted and entries it failed.
 */
export interface PublisherMetrics {
  published(count: number): void;
  failed(count: number): void;
}

export const noPublisherMetrics: PublisherMetrics = { published: () => {}, failed: () => {} };

/** The publisher's one EMF namespace: its consumer metrics are written there too. */
export const PUBLISHER_NAMESPACE = "ItemService/IntegrationPublisher";
/** Its `Service` dimension: the deployable's name. */
export const PUBLISHER_SERVICE = "integration-publisher";

export interface EmfPublisherMetricsOptions {
  readonly service: string;
  readonly write: (line: string) => void;
  readonly clock?: Clock;
  readonly properties?: Readonly<Record<string, string>>;
}

/** PublisherMetrics as EMF lines (`MessagesPublished`, `MessagesFailed`; dimension `Service`). */
export const createEmfPublisherMetrics = (o: EmfPublisherMetricsOptions): PublisherMetrics => {
  const clock = o.clock ?? systemClock;
  const emit = (name: string, value: number) =>
    o.write(
      emfLine({
        namespace: PUBLISHER_NAMESPACE,
        timestamp: new Date(clock.now()),
        dimensions: { Service: o.service },
        metrics: [{ name, unit: "Count", value }],
        ...(o.properties ? { properties: o.properties } : {}),
      }),
    );
  return {
    published: (n) => emit("MessagesPublished", n),
    failed: (n) => emit("MessagesFailed", n),
  };
};
