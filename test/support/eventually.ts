// Waiting without sleeping a fixed time: no I/O of its own, so every tier may use it.

/**
 * Awaits a promise as a condition (`eventually`'s bound): for code that would otherwise wait on a
 * far-off deadline or a clock that never moves, so a missing wake-up fails the test clearly.
 */
export const settled = async <T>(promise: Promise<T>, what: string): Promise<T> => {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  promise.then(
    (value) => {
      outcome = { ok: true, value };
    },
    (error: unknown) => {
      outcome = { ok: false, error };
    },
  );
  const done = await eventually(async () => outcome, { what });
  if (!done.ok) throw done.error;
  return done.value;
};

/** Awaits a condition with a bounded timeout instead of sleeping a fixed time. */
export const eventually = async <T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs = 15_000, intervalMs = 25, what = "condition" } = {},
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`,
  );
};
