declare const brand: unique symbol;

/** A nominal type: `Brand<string, "ItemId">` is not assignable from a plain string or another brand. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };
