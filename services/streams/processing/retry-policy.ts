/**
 * How a failing batch is retried, modelled on Lambda's event source mapping. Pure: time comes in
 * as arguments.
 */
export interface RetryPolicy {
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
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly backoffMultiplier: number;
}

export const defaultRetryPolicy: RetryPolicy = Object.freeze({
  maxRetries: 5,
  maxRecordAgeMs: 6 * 60 * 60 * 1000,
  bisectOnError: true,
  initialBackoffMs: 500,
  maxBackoffMs: 30_000,
  backoffMultiplier: 2,
});

/** Why a record was parked (the first two match Lambda's on-failure conditions). */
export type ParkReason = "RetryAttemptsExhausted" | "RecordAgeExceeded" | "BehindParkedRecord";

export type FailureVerdict =
  | { readonly action: "retry"; readonly delayMs: number }
  | { readonly action: "park"; readonly reason: "RetryAttemptsExhausted" | "RecordAgeExceeded" };

/** Wait before retry number `retry` (1-based): exponential, capped. */
export const backoffDelay = (policy: RetryPolicy, retry: number): number =>
  Math.min(
    policy.maxBackoffMs,
    policy.initialBackoffMs * policy.backoffMultiplier ** Math.max(0, retry - 1),
  );

/**
 * After `failedAttempts` failed attempts of the same records (the oldest created at
 * `oldestCreatedAt`): retry after a delay, or park.
 */
export const failureVerdict = (
  policy: RetryPolicy,
  failedAttempts: number,
  oldestCreatedAt: Date,
  now: Date,
): FailureVerdict => {
  if (
    policy.maxRecordAgeMs >= 0 &&
    now.getTime() - oldestCreatedAt.getTime() > policy.maxRecordAgeMs
  )
    return { action: "park", reason: "RecordAgeExceeded" };
  if (policy.maxRetries >= 0 && failedAttempts > policy.maxRetries)
    return { action: "park", reason: "RetryAttemptsExhausted" };
  return { action: "retry", delayMs: backoffDelay(policy, failedAttempts) };
};
