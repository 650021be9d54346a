// Pieces both hand-written OpenAPI 3.1 documents (command and query API) describe alike.
import { PROBLEM_BASE, PROBLEM_KINDS } from "./problem.js";

/** A response whose body is an RFC 9457 problem (components.schemas.Problem). */
export const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

/** The members every problem has; an API adds its own (`type` enum, extensions). */
export const problemSchema = {
  type: "object",
  properties: {
    // The one problem catalogue: every type either API can answer.
    type: { type: "string", enum: Object.keys(PROBLEM_KINDS).map((k) => PROBLEM_BASE + k) },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    instance: { type: "string" },
    errors: {
      type: "array",
      items: {
        type: "object",
        properties: { field: { type: "string" }, message: { type: "string" } },
      },
    },
  },
  required: ["type", "title", "status"],
} as const;

/** The `{id}` path parameter: an item id. */
export const itemIdParameter = {
  name: "id",
  in: "path",
  required: true,
  schema: { type: "string", format: "uuid" },
} as const;

/** 503 answers (overload, unavailable dependency) say when to retry. */
export const retryAfterHeader = {
  "Retry-After": { schema: { type: "integer" }, description: "Seconds to wait before retrying" },
} as const;
