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

export const problem = (c: Context, p: Problem): Response =>
  c.body(JSON.stringify({ ...p, instance: c.req.path }), p.status as ContentfulStatusCode, {
    "Content-Type": "application/problem+json",
  });

export const validationProblem = (c: Context, errors: readonly FieldError[]): Response =>
  problem(c, {
    type: problemType("validation"),
    title: "The request is invalid",
    status: 400,
    detail: `${errors.length} invalid field(s)`,
    errors,
  });

export const notFoundProblem = (c: Context, detail: string): Response =>
  problem(c, { type: problemType("not-found"), title: "Not found", status: 404, detail });
