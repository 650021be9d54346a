/** Time for the imperative shell; pure decisions take `now` as an argument instead. */
export interface Clock {
  /** Milliseconds on a local monotonic-enough scale (never compared across machines). */
  now(): number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export const abortableSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });

export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: abortableSleep,
};
