import type { Clock } from "../../services/clock/clock.js";
import { workerId } from "../../services/streams/leases/lease.js";
import {
  LeaseCoordinator,
  type LeaseCoordinatorOptions,
} from "../../services/streams/leases/lease-coordinator.js";
import type { LeaseStore } from "../../services/streams/leases/lease-store.js";
import { noMetrics } from "../../services/streams/metrics/consumer-metrics.js";

/**
 * A lease coordinator for tests: worker "me", KCL-like timings (10 s failover), fixed jitter and
 * token, errors thrown. A test overrides only what it is about.
 */
export const testCoordinator = (
  options: Partial<LeaseCoordinatorOptions> & { readonly store: LeaseStore; readonly clock: Clock },
): LeaseCoordinator =>
  new LeaseCoordinator({
    me: workerId("me"),
    policy: { failoverMs: 10_000, maxLeasesToStealAtOnce: 1, veryOldFactor: 3 },
    renewIntervalMs: 3_000,
    takeIntervalMs: 2_000,
    metrics: noMetrics,
    random: () => 0.5,
    newToken: () => "token",
    onTaken: () => {},
    onError: (e) => {
      throw e;
    },
    ...options,
  });
