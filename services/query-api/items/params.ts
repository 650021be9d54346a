import { err, ok, type Result } from "neverthrow";
import { type FieldError, fieldError } from "../../domain/shared/validation.js";
import { ITEM_STATUSES, type ItemStatus } from "../../read-model/entities.js";

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const Q_MAX = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Query = Readonly<Record<string, string | undefined>>;

export interface PageParams<C> {
  readonly limit: number;
  /** Position after which the page starts (decoded cursor), absent for the first page. */
  readonly after?: C;
}

export interface ItemListParams extends PageParams<string> {
  readonly status?: ItemStatus;
  readonly q?: string;
}

// Cursors are opaque to clients: base64url of the last key of the previous page.
export const encodeCursor = (key: string | number): string =>
  Buffer.from(String(key), "utf8").toString("base64url");

const decodeCursor = (raw: string): string => Buffer.from(raw, "base64url").toString("utf8");

const parseLimit = (raw: string | undefined): Result<number, FieldError> => {
  if (raw === undefined) return ok(DEFAULT_LIMIT);
  const n = Number(raw);
  return /^\d+$/.test(raw) && n >= 1 && n <= MAX_LIMIT
    ? ok(n)
    : err(fieldError("limit", `must be an integer between 1 and ${MAX_LIMIT}`));
};

const parseItemCursor = (raw: string | undefined): Result<string | undefined, FieldError> => {
  if (raw === undefined) return ok(undefined);
  const key = decodeCursor(raw);
  return UUID.test(key) ? ok(key) : err(fieldError("cursor", "is not a cursor this API issued"));
};

const parseSeqCursor = (raw: string | undefined): Result<number | undefined, FieldError> => {
  if (raw === undefined) return ok(undefined);
  const key = decodeCursor(raw);
  return /^\d{1,9}$/.test(key)
    ? ok(Number(key))
    : err(fieldError("cursor", "is not a cursor this API issued"));
};

const parseStatus = (raw: string | undefined): Result<ItemStatus | undefined, FieldError> => {
  if (raw === undefined) return ok(undefined);
  const s = ITEM_STATUSES.find((x) => x === raw);
  return s ? ok(s) : err(fieldError("status", `must be one of ${ITEM_STATUSES.join(", ")}`));
};

const parseQ = (raw: string | undefined): Result<string | undefined, FieldError> => {
  if (raw === undefined) return ok(undefined);
  const q = raw.trim();
  if (q.length === 0) return err(fieldError("q", "must not be blank"));
  return q.length <= Q_MAX ? ok(q) : err(fieldError("q", `must be at most ${Q_MAX} characters`));
};

/** `minVersion`: the version a command returned (read-your-writes). */
const parseMinVersion = (raw: string | undefined): Result<number | undefined, FieldError> => {
  if (raw === undefined) return ok(undefined);
  const n = Number(raw);
  return /^\d{1,9}$/.test(raw) && n >= 1
    ? ok(n)
    : err(fieldError("minVersion", "must be a positive integer (the version a command returned)"));
};

const KNOWN_LIST = new Set(["limit", "cursor", "status", "q"]);
const KNOWN_HISTORY = new Set(["limit", "cursor", "minVersion"]);
const KNOWN_ITEM = new Set(["minVersion"]);

const unknownParams = (query: Query, known: ReadonlySet<string>): FieldError[] =>
  Object.keys(query)
    .filter((k) => !known.has(k))
    .map((k) => fieldError(k, "is not a known query parameter"));

const errorsOf = (...results: Result<unknown, FieldError>[]): FieldError[] =>
  results.flatMap((r) => (r.isErr() ? [r.error] : []));

// Every invalid or unknown parameter is reported at once, so a client fixes them in one go.
export const parseItemListParams = (query: Query): Result<ItemListParams, FieldError[]> => {
  const limit = parseLimit(query.limit);
  const after = parseItemCursor(query.cursor);
  const status = parseStatus(query.status);
  const q = parseQ(query.q);
  const unknown = unknownParams(query, KNOWN_LIST);
  if (limit.isErr() || after.isErr() || status.isErr() || q.isErr() || unknown.length > 0) {
    return err([...unknown, ...errorsOf(limit, after, status, q)]);
  }
  return ok({ limit: limit.value, after: after.value, status: status.value, q: q.value });
};

export interface HistoryParams extends PageParams<number> {
  readonly minVersion?: number;
}

export const parseHistoryParams = (query: Query): Result<HistoryParams, FieldError[]> => {
  const limit = parseLimit(query.limit);
  const after = parseSeqCursor(query.cursor);
  const minVersion = parseMinVersion(query.minVersion);
  const unknown = unknownParams(query, KNOWN_HISTORY);
  if (limit.isErr() || after.isErr() || minVersion.isErr() || unknown.length > 0) {
    return err([...unknown, ...errorsOf(limit, after, minVersion)]);
  }
  return ok({ limit: limit.value, after: after.value, minVersion: minVersion.value });
};

export const parseItemParams = (query: Query): Result<{ minVersion?: number }, FieldError[]> => {
  const minVersion = parseMinVersion(query.minVersion);
  const unknown = unknownParams(query, KNOWN_ITEM);
  if (minVersion.isErr() || unknown.length > 0) {
    return err([...unknown, ...errorsOf(minVersion)]);
  }
  return ok({ minVersion: minVersion.value });
};

/** True when an If-None-Match header matches the current entity tag. */
export const etagMatches = (ifNoneMatch: string | undefined, etag: string): boolean =>
  (ifNoneMatch ?? "").split(",").some((t) => {
    const tag = t.trim();
    return tag === "*" || tag === etag || tag === `W/${etag}`;
  });
