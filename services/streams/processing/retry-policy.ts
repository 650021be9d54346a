import { type Backoff, backoffDelay } from "../../backoff/backoff.js";

/**
 * How a failing batch is retried, modelled on Lambda's event source mapping. Pure: time and
 * the jitter's random number come in as arguments.
 */
export interface BatchRetryPolicy {
  /** Retries after the first failed attempt before a record is parked; -1 = forever. */
  readonly maxRetries: number;
  /**
   * A failing record older than this (now − ApproximateCreationDateTime) is parked instead of
   * retried; -1 = no limit. Checked only after a failure, so a consumer catching up after
   * downtime never parks healthy records.
   */
  readonly maxRecordAgeMs: number;
  /** Split a failed batch in two to isolate the poison record; splits are not retries. */
  readonly bisectOnError: boolean;
  /** Wait before each retry (also between transient failures). */
  readonly backoff: Backoff;
}

export const defaultBatchRetryPolicy: BatchRetryPolicy = Object.freeze({
  maxRetries: 5,
  maxRecordAgeMs: 6 * 60 * 60 * 1000,
  bisectOnError: true,
  backoff: Object.freeze({ initialMs: 500, maxMs: 30_000, multiplier: 2 }),
});

/** Why a record was parked (the first two match Lambda's on-failure conditions). */
export type ParkReason = "RetryAttemptsExhausted" | "RecordAgeExceeded" | "BehindParkedRecord";

export type FailureVerdict =
  | { readonly action: "retry"; readonly delayMs: number }
  | { readonly action: "park"; readonly reason: "RetryAttemptsExhausted" | "RecordAgeExceeded" };

/**
 * After `failedAttempts` failed attempts of the same records (the oldest created at
 * `oldestCreatedAt`): retry after a jittered delay (`random` in [0, 1)), or park.
 */
export const failureVerdict = (
  policy: BatchRetryPolicy,
  failedAttempts: number,
  oldestCreatedAt: Date,
  now: Date,
  random: number,
): FailureVerdict => {
  if (
    policy.maxRecordAgeMs >= 0 &&
    now.getTime() - oldestCreatedAt.getTime() > policy.maxRecordAgeMs
  )
    return { action: "park", reason: "RecordAgeExceeded" };
  if (policy.maxRetries >= 0 && failedAttempts > policy.maxRetries)
    return { action: "park", reason: "RetryAttemptsExhausted" };
  return { action: "retry", delayMs: backoffDelay(policy.backoff, failedAttempts, random) };
};
