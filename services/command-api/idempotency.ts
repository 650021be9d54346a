import { createHash } from "node:crypto";
import type { Context } from "hono";
import type { IdempotencyRecord, SaveError } from "../event-store/item-repository.js";
import { problemResponse } from "../http/problem.js";

export const IDEMPOTENCY_HEADER = "Idempotency-Key";
export const REPLAYED_HEADER = "Idempotent-Replayed";

/** Printable ASCII without spaces, as most APIs accept (UUIDs, ULIDs, random tokens). */
const KEY = /^[\x21-\x7e]{1,255}$/;

export const isValidIdempotencyKey = (key: string): boolean => KEY.test(key);

/**
 * What makes two requests "the same": method, path and the validated body (so whitespace or
 * key order in the JSON text do not matter).
 */
export const fingerprintOf = (method: string, path: string, values: unknown): string =>
  createHash("sha256")
    .update(`${method} ${path}\n${JSON.stringify(values)}`)
    .digest("hex");

/**
 * The stored form of a client's key: prefixed with a digest of the caller (subject and client),
 * so that one caller can neither replay nor block another caller's request by reusing its key.
 */
export const callerScopedKey = (
  caller: { readonly subject: string; readonly clientId?: string | undefined },
  key: string,
): string =>
  `${createHash("sha256")
    .update(JSON.stringify([caller.subject, caller.clientId ?? ""]))
    .digest("hex")
    .slice(0, 32)}:${key}`;

export type StoredResponse = IdempotencyRecord["response"];

export const sendStored = (response: StoredResponse): Response =>
  new Response(response.body, { status: response.status, headers: response.headers });

/** A stored key: the same request gets the original answer again, another one a 422. */
export const replayOrRefuse = (
  c: Context,
  { record, sameRequest }: Extract<SaveError, { kind: "IdempotencyKeyReused" }>,
): Response => {
  if (!sameRequest) {
    return problemResponse(c, "idempotency-key-reused", {
      detail: "this Idempotency-Key was used for a different request; use a new key",
    });
  }
  const res = sendStored(record.response);
  res.headers.set(REPLAYED_HEADER, "true");
  return res;
};
