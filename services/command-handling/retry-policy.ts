import type { Backoff } from "../backoff/backoff.js";

/**
 * How often a command is re-decided on fresh state after losing a write race, and how long it
 * waits in between (the one capped, jittered backoff), so racing writers spread out.
 */
export interface ConflictRetryPolicy {
  /** Total attempts, the first one included. */
  readonly maxAttempts: number;
  readonly backoff: Backoff;
}

export const DEFAULT_CONFLICT_RETRY_POLICY: ConflictRetryPolicy = Object.freeze({
  maxAttempts: 10,
  backoff: Object.freeze({ initialMs: 5, maxMs: 200, multiplier: 2 }),
});
