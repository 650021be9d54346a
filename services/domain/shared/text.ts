import { err, ok, type Result } from "neverthrow";
import { type FieldError, fieldError } from "./validation.js";

export interface FreeTextRules {
  /** Longest accepted text in code points (after NFC and trimming). */
  readonly maxCodePoints: number;
  /** Whether nothing but white space (an empty text after trimming) is accepted. */
  readonly allowBlank?: boolean;
}

// In a `u` regex a paired surrogate is one code point, so only a lone one is in category Cs.
const LONE_SURROGATE = /\p{Cs}/u;
// C0 controls, DEL and C1 controls: invisible, mangle logs, and Postgres refuses U+0000.
// \p{Cc} is exactly U+0000–U+001F and U+007F–U+009F.
const CONTROL = /\p{Cc}/u;

/**
 * The one rule for free text from outside (names, reasons, search terms, query parameters):
 * normalised to NFC and trimmed, then refused when it holds a control character, a lone
 * surrogate, or more than `maxCodePoints` code points.
 */
export const freeText = (
  raw: string,
  field: string,
  { maxCodePoints, allowBlank = false }: FreeTextRules,
): Result<string, FieldError> => {
  if (LONE_SURROGATE.test(raw)) {
    return err(fieldError(field, "must be well-formed Unicode (no lone surrogate)"));
  }
  const text = raw.normalize("NFC").trim();
  if (CONTROL.test(text)) {
    return err(
      fieldError(field, "must not contain control characters (U+0000–U+001F, U+007F–U+009F)"),
    );
  }
  if (!allowBlank && text.length === 0) return err(fieldError(field, "must not be blank"));
  // Counting stops early: a 16 KiB string costs no more than the limit.
  let count = 0;
  for (const _ of text) {
    if (++count > maxCodePoints) {
      return err(fieldError(field, `must be at most ${maxCodePoints} characters`));
    }
  }
  return ok(text);
};
