import { err, ok, Result } from "neverthrow";

/** One invalid field of a request; every one of them is reported at once. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export type Validation<T> = Result<T, FieldError[]>;

export const fieldError = (field: string, message: string): FieldError => ({ field, message });

/** Parses one field's raw value; `field` is the name to report in the error. */
export type FieldParser<T> = (raw: unknown, field: string) => Result<T, FieldError>;

type Parsed<P> = { [K in keyof P]: P[K] extends FieldParser<infer T> ? T : never };

const isPlainObject = (raw: unknown): raw is Record<string, unknown> =>
  typeof raw === "object" && raw !== null && !Array.isArray(raw);

/**
 * Every error of several parts of one request (path, headers, query, body), in order, through
 * neverthrow's `combineWithAllErrors`; a part may report one error or a list of them.
 */
export const allErrors = <T extends readonly Result<unknown, FieldError | FieldError[]>[]>(
  ...parts: T
): Result<{ [K in keyof T]: T[K] extends Result<infer V, unknown> ? V : never }, FieldError[]> =>
  Result.combineWithAllErrors(parts as unknown as Result<unknown, FieldError | FieldError[]>[])
    .map(
      (values) => values as { [K in keyof T]: T[K] extends Result<infer V, unknown> ? V : never },
    )
    .mapErr((errors) => errors.flat());

/** A key the request may not carry (a typo such as `prize` must not be silently ignored). */
export const unknownKeys = (
  keys: readonly string[],
  allowed: readonly string[],
  message: (allowed: string) => string,
): Result<undefined, FieldError>[] =>
  keys
    .filter((key) => !allowed.includes(key))
    .map((key) => err(fieldError(key, message(allowed.join(", ") || "none"))));

/**
 * Checks that `raw` is a JSON object, parses each known field and rejects unknown ones. Unknown
 * and invalid fields are reported together, in one list, so a client fixes its request in one
 * round trip.
 */
export const objectOf = <P extends Record<string, FieldParser<unknown>>>(
  raw: unknown,
  parsers: P,
  unknownMessage = (allowed: string) => `unknown field; allowed: ${allowed}`,
): Validation<Parsed<P>> => {
  if (!isPlainObject(raw)) return err([fieldError("", "the body must be a JSON object")]);
  const names = Object.keys(parsers);
  const unknown = unknownKeys(Object.keys(raw), names, unknownMessage);
  const fields = names.map(
    (key) => parsers[key]?.(Object.hasOwn(raw, key) ? raw[key] : undefined, key) ?? ok(undefined),
  );
  return Result.combineWithAllErrors([...unknown, ...fields]).map(
    (values) =>
      Object.fromEntries(names.map((key, i) => [key, values[unknown.length + i]])) as Parsed<P>,
  );
};
