import {
  createEmfEmitter,
  type EmfMetricsOptions,
  emfCount,
} from "../streams/metrics/emf-metrics.js";

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

/** PublisherMetrics as EMF lines (`MessagesPublished`, `MessagesFailed`; dimension `Service`). */
export const createEmfPublisherMetrics = (
  options: Omit<EmfMetricsOptions, "namespace">,
): PublisherMetrics => {
  const emit = createEmfEmitter({ ...options, namespace: PUBLISHER_NAMESPACE });
  return {
    published: (n) => emit([emfCount("MessagesPublished", n)]),
    failed: (n) => emit([emfCount("MessagesFailed", n)]),
  };
};
