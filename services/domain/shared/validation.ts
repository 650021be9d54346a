import { err, ok, type Result } from "neverthrow";

/** One invalid field of a request; every one of them is reported at once. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export type Validation<T> = Result<T, FieldError[]>;

export const fieldError = (field: string, message: string): FieldError => ({ field, message });

const isPlainObject = (raw: unknown): raw is Record<string, unknown> =>
  typeof raw === "object" && raw !== null && !Array.isArray(raw);

/**
 * Checks that `raw` is a JSON object holding only `allowed` keys; unknown keys are errors
 * (a typo such as `prize` must not be silently ignored).
 */
export const objectWithKeys = (
  raw: unknown,
  allowed: readonly string[],
): Result<Record<string, unknown>, FieldError[]> => {
  if (!isPlainObject(raw)) return err([fieldError("", "the body must be a JSON object")]);
  const unknown = Object.keys(raw).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    return err(
      unknown.map((key) =>
        fieldError(key, `unknown field; allowed: ${allowed.join(", ") || "none"}`),
      ),
    );
  }
  return ok(raw);
};
