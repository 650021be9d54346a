import type { Context } from "hono";
import { err, ok, type Result } from "neverthrow";
import { createItemId, type ItemId } from "../../domain/item/index.js";
import {
  allErrors,
  type FieldError,
  fieldError,
  type Validation,
} from "../../domain/shared/validation.js";
import { readJsonBody } from "../../http/json-body.js";
import { problemResponse, validationProblem } from "../../http/problem.js";
import { IDEMPOTENCY_HEADER, isValidIdempotencyKey } from "../idempotency.js";

/** The validated parts of a command request: path id, body values and the two headers. */
export interface ParsedRequest<V> {
  readonly itemId: ItemId | undefined;
  readonly values: V;
  readonly ifMatch: number | undefined;
  readonly idempotencyKey: string | undefined;
}

const STRONG_ETAG = /^"(0|[1-9][0-9]{0,14})"$/;

/** `If-Match: "3"` → 3; `*` or no header → no precondition. */
const parseIfMatch = (raw: string | undefined): Result<number | undefined, FieldError> => {
  const value = raw?.trim();
  if (value === undefined || value === "*") return ok(undefined);
  const version = STRONG_ETAG.exec(value)?.[1];
  return version === undefined
    ? err(fieldError("If-Match", 'must be one ETag as returned by this API, e.g. "3"'))
    : ok(Number(version));
};

const parseIdempotencyKey = (raw: string | undefined): Result<string | undefined, FieldError> =>
  raw === undefined || isValidIdempotencyKey(raw)
    ? ok(raw)
    : err(fieldError(IDEMPOTENCY_HEADER, "must be 1 to 255 printable ASCII characters"));

const parsePathId = (raw: string | undefined): Result<ItemId | undefined, FieldError> =>
  raw === undefined ? ok(undefined) : createItemId(raw);

export interface ParseOptions<V> {
  readonly validate: (body: unknown) => Validation<V>;
  /** An empty body counts as `{}` (commands whose fields are all optional). */
  readonly emptyAsObject?: boolean;
}

/**
 * Reads and validates everything a command route needs. Unparsable bodies answer 415 / 400;
 * otherwise every invalid part (path id, headers, body fields) is listed in one 400.
 */
export const parseCommandRequest = async <V>(
  c: Context,
  options: ParseOptions<V>,
): Promise<Result<ParsedRequest<V>, Response>> => {
  const body = await readJsonBody(c, { emptyAsObject: options.emptyAsObject });
  if (body.isErr()) return err(problemResponse(c, body.error.kind, body.error.extras));
  const parsed = allErrors(
    parsePathId(c.req.param("id")),
    parseIfMatch(c.req.header("If-Match")),
    parseIdempotencyKey(c.req.header(IDEMPOTENCY_HEADER)),
    options.validate(body.value),
  );
  if (parsed.isErr()) return err(validationProblem(c, parsed.error));
  const [itemId, ifMatch, idempotencyKey, values] = parsed.value;
  return ok({ itemId, ifMatch, idempotencyKey, values });
};
