import { err, ok, type Result } from "neverthrow";

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
 * Checks that `raw` is a JSON object, parses each known field and rejects unknown ones (a typo
 * such as `prize` must not be silently ignored). Unknown and invalid fields are reported
 * together, in one list, so a client fixes its request in one round trip.
 */
export const objectOf = <P extends Record<string, FieldParser<unknown>>>(
  raw: unknown,
  parsers: P,
): Validation<Parsed<P>> => {
  if (!isPlainObject(raw)) return err([fieldError("", "the body must be a JSON object")]);
  const allowed = Object.keys(parsers);
  const errors: FieldError[] = Object.keys(raw)
    .filter((key) => !Object.hasOwn(parsers, key))
    .map((key) => fieldError(key, `unknown field; allowed: ${allowed.join(", ") || "none"}`));
  const out: Record<string, unknown> = {};
  for (const [key, parse] of Object.entries(parsers)) {
    const value = Object.hasOwn(raw, key) ? raw[key] : undefined;
    parse(value, key).match(
      (v) => {
        out[key] = v;
      },
      (e) => {
        errors.push(e);
      },
    );
  }
  return errors.length > 0 ? err(errors) : ok(out as Parsed<P>);
};
