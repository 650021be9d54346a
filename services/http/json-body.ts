import type { Context } from "hono";
import { err, ok, type Result } from "neverthrow";
import type { ProblemExtras, ProblemKind } from "./problem.js";

export type BodyProblem = { readonly kind: ProblemKind; readonly extras: ProblemExtras };

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

/**
 * Reads a JSON request body. Non-JSON media types are a 415, unparsable text a 400; an empty
 * body is `{}` when `emptyAsObject` (e.g. `discontinue`, whose fields are all optional). Even an
 * empty body must be declared application/json: a cross-site HTML form cannot send that type
 * without a CORS preflight, so it cannot reach a command.
 */
export const readJsonBody = async (
  c: Context,
  { emptyAsObject = false } = {},
): Promise<Result<unknown, BodyProblem>> => {
  const text = await c.req.text();
  const type = c.req.header("content-type");
  if (type === undefined || !JSON_TYPE.test(type)) {
    return err({
      kind: "unsupported-media-type",
      extras: { detail: `send the body as application/json (got ${type ?? "no Content-Type"})` },
    });
  }
  if (text.length === 0 && emptyAsObject) return ok({});
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (e) {
    return err({
      kind: "malformed-json",
      extras: { detail: e instanceof Error ? e.message : "the body could not be parsed" },
    });
  }
};
