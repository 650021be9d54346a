import type { ConsumerConfig } from "../../services/streams/coordinator/config.js";

/**
 * The worker processes' timings in the chaos tests and the fail-over benchmark (one set, so the
 * benchmark measures what the tests prove correct): failover 2 s, renew 0.6 s, take 0.4 s.
 */
export const chaosTimings = {
  failoverMs: 2_000,
  renewIntervalMs: 600,
  takeIntervalMs: 400,
  idlePollMs: 50,
  backoffMs: 100,
  // Read errors back off from backoffMs, doubling up to this cap (default 5 s).
  maxBackoffMs: 1_000,
  parentPollMs: 200,
  shardSyncIntervalMs: 5_000,
} as const satisfies Partial<ConsumerConfig>;
