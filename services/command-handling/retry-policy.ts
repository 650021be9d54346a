/**
 * How often a command is re-decided on fresh state after losing a write race, and how long it
 * waits in between: exponential backoff with full jitter, so racing writers spread out.
 */
export interface RetryPolicy {
  /** Total attempts, the first one included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 10,
  baseDelayMs: 5,
  maxDelayMs: 200,
});

/** Delay before attempt `attempt + 1`, given a uniform random number in [0, 1). */
export const backoffDelay = (policy: RetryPolicy, attempt: number, random: number): number =>
  random * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
