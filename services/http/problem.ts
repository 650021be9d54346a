import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { FieldError } from "../domain/shared/validation.js";

/** RFC 9457 problem details. `type` is a stable URI per kind of problem. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly errors?: readonly FieldError[];
  readonly [extension: string]: unknown;
}

export const PROBLEM_BASE = "https://item-service.example/problems/";

export const problemType = (kind: string): string => `${PROBLEM_BASE}${kind}`;

/**
 * Every kind of problem the services answer with: the ONE place that fixes its status, title
 * and (through its key) its stable `type` URI. Clients switch on `type`, never on `title`.
 */
export const PROBLEM_KINDS = {
  validation: { status: 400, title: "The request is invalid" },
  "malformed-json": { status: 400, title: "The body is not valid JSON" },
  unauthorized: { status: 401, title: "Authentication required" },
  "insufficient-scope": { status: 403, title: "Insufficient scope" },
  "not-found": { status: 404, title: "Not found" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  "already-registered": { status: 409, title: "Item already registered" },
  "concurrent-write": { status: 409, title: "Concurrent write" },
  "precondition-failed": { status: 412, title: "Precondition failed" },
  "payload-too-large": { status: 413, title: "Payload too large" },
  "unsupported-media-type": { status: 415, title: "Unsupported media type" },
  "rule-violated": { status: 422, title: "Business rule violated" },
  "idempotency-key-reused": { status: 422, title: "Idempotency-Key reused" },
  internal: { status: 500, title: "Internal error" },
  unavailable: { status: 503, title: "Service unavailable" },
  overloaded: { status: 503, title: "Too busy: retry later" },
  "read-model-lagging": {
    status: 504,
    title: "The read model has not reached the requested version yet",
  },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemKind = keyof typeof PROBLEM_KINDS;

/** Extension members and detail of one problem occurrence. */
export type ProblemExtras = { readonly detail?: string; readonly [extension: string]: unknown };

export const problemOf = (kind: ProblemKind, extras: ProblemExtras = {}): Problem => ({
  type: problemType(kind),
  ...PROBLEM_KINDS[kind],
  ...extras,
});

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export const problem = (c: Context, p: Problem): Response =>
  c.body(JSON.stringify({ ...p, instance: c.req.path }), p.status as ContentfulStatusCode, {
    "Content-Type": PROBLEM_CONTENT_TYPE,
  });

/** Answers with the problem of `kind`; the status comes from the catalogue above. */
export const problemResponse = (c: Context, kind: ProblemKind, extras?: ProblemExtras): Response =>
  problem(c, problemOf(kind, extras));

/** A 503 the client should retry: `Retry-After` says when (RFC 9110 §10.2.3). */
export const unavailableResponse = (
  c: Context,
  kind: "unavailable" | "overloaded",
  retryAfterSeconds: number,
  extras?: ProblemExtras,
): Response => {
  c.header("Retry-After", String(Math.max(1, Math.ceil(retryAfterSeconds))));
  return problemResponse(c, kind, extras);
};

export const validationProblem = (c: Context, errors: readonly FieldError[]): Response =>
  problemResponse(c, "validation", { detail: `${errors.length} invalid field(s)`, errors });

export const notFoundProblem = (c: Context, detail: string): Response =>
  problemResponse(c, "not-found", { detail });
