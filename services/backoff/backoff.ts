/**
 * The one backoff formula: capped exponential with full jitter (AWS Architecture Blog,
 * "Exponential Backoff And Jitter"), so that workers retrying the same thing spread out.
 * Pure: the random number comes in as an argument.
 */
export interface Backoff {
  /** Upper bound of the first delay. */
  readonly initialMs: number;
  /** No delay exceeds this. */
  readonly maxMs: number;
  readonly multiplier: number;
}

/** Upper bound of the delay before retry number `attempt` (1-based), before jitter. */
export const backoffCeiling = (backoff: Backoff, attempt: number): number =>
  Math.min(backoff.maxMs, backoff.initialMs * backoff.multiplier ** Math.max(0, attempt - 1));

/** Delay before retry number `attempt` (1-based), given a uniform random number in [0, 1). */
export const backoffDelay = (backoff: Backoff, attempt: number, random: number): number =>
  random * backoffCeiling(backoff, attempt);
