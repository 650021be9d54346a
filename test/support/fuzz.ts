import fc from "fast-check";

/**
 * Any JSON value a client might put in a field: these texts and numbers, booleans, null, and
 * small arrays (of JSON up to `arrayDepth` deep) and objects.
 */
export const anyFieldValue = (
  text: fc.Arbitrary<string>,
  number: fc.Arbitrary<number>,
  arrayDepth: number,
): fc.Arbitrary<unknown> =>
  fc.oneof(
    text,
    number,
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.jsonValue({ maxDepth: arrayDepth }), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  );

/** Strings of every unit (UTF-16 code units, graphemes, binary) up to `maxLength`, and these edges. */
export const anyText = (
  maxLength: number,
  edges: readonly [string, ...string[]],
): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: "grapheme", maxLength }),
    fc.string({ unit: "binary", maxLength }),
    fc.constantFrom(...edges),
  );
