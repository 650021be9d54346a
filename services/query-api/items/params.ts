import { err, ok, type Result } from "neverthrow";
import { freeText } from "../../domain/shared/text.js";
import {
  type FieldError,
  type FieldParser,
  fieldError,
  objectOf,
  type Validation,
} from "../../domain/shared/validation.js";
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

/** A query parameter: absent, or text that already passed the free-text rule. */
type ParamParser<T> = (value: string | undefined, field: string) => Result<T, FieldError>;

/** Longest value of any parameter; `q` has its own, shorter limit. */
const PARAM_MAX = 200;

/**
 * Every query parameter goes through the free-text rule first (NFC, trimmed, no control
 * character or lone surrogate, bounded length), then through its own parser.
 */
const param =
  <T>(parse: ParamParser<T>, maxCodePoints = PARAM_MAX): FieldParser<T> =>
  (raw, field) => {
    if (raw === undefined) return parse(undefined, field);
    if (typeof raw !== "string") return err(fieldError(field, "must be given once"));
    return freeText(raw, field, { maxCodePoints, allowBlank: true }).andThen((v) =>
      parse(v, field),
    );
  };

const parseLimit: ParamParser<number> = (raw, field) => {
  if (raw === undefined) return ok(DEFAULT_LIMIT);
  const n = Number(raw);
  return /^\d+$/.test(raw) && n >= 1 && n <= MAX_LIMIT
    ? ok(n)
    : err(fieldError(field, `must be an integer between 1 and ${MAX_LIMIT}`));
};

const parseItemCursor: ParamParser<string | undefined> = (raw, field) => {
  if (raw === undefined) return ok(undefined);
  const key = decodeCursor(raw);
  return UUID.test(key) ? ok(key) : err(fieldError(field, "is not a cursor this API issued"));
};

const parseSeqCursor: ParamParser<number | undefined> = (raw, field) => {
  if (raw === undefined) return ok(undefined);
  const key = decodeCursor(raw);
  return /^\d{1,9}$/.test(key)
    ? ok(Number(key))
    : err(fieldError(field, "is not a cursor this API issued"));
};

const parseStatus: ParamParser<ItemStatus | undefined> = (raw, field) => {
  if (raw === undefined) return ok(undefined);
  const s = ITEM_STATUSES.find((x) => x === raw);
  return s ? ok(s) : err(fieldError(field, `must be one of ${ITEM_STATUSES.join(", ")}`));
};

const parseQ: ParamParser<string | undefined> = (raw, field) => {
  if (raw === undefined) return ok(undefined);
  return raw.length === 0 ? err(fieldError(field, "must not be blank")) : ok(raw);
};

/** `minVersion`: the version a command returned (read-your-writes). */
const parseMinVersion: ParamParser<number | undefined> = (raw, field) => {
  if (raw === undefined) return ok(undefined);
  const n = Number(raw);
  return /^\d{1,9}$/.test(raw) && n >= 1
    ? ok(n)
    : err(fieldError(field, "must be a positive integer (the version a command returned)"));
};

const unknownParam = (allowed: string) => `is not a known query parameter; allowed: ${allowed}`;

// Every invalid or unknown parameter is reported at once, so a client fixes them in one go.
export const parseItemListParams = (query: Query): Validation<ItemListParams> =>
  objectOf(
    query,
    {
      limit: param(parseLimit),
      cursor: param(parseItemCursor),
      status: param(parseStatus),
      q: param(parseQ, Q_MAX),
    },
    unknownParam,
  ).map(({ limit, cursor, status, q }) => ({ limit, after: cursor, status, q }));

export interface HistoryParams extends PageParams<number> {
  readonly minVersion?: number;
}

export const parseHistoryParams = (query: Query): Validation<HistoryParams> =>
  objectOf(
    query,
    { limit: param(parseLimit), cursor: param(parseSeqCursor), minVersion: param(parseMinVersion) },
    unknownParam,
  ).map(({ limit, cursor, minVersion }) => ({ limit, after: cursor, minVersion }));

export const parseItemParams = (query: Query): Validation<{ minVersion?: number }> =>
  objectOf(query, { minVersion: param(parseMinVersion) }, unknownParam);

/** True when an If-None-Match header matches the current entity tag. */
export const etagMatches = (ifNoneMatch: string | undefined, etag: string): boolean =>
  (ifNoneMatch ?? "").split(",").some((t) => {
    const tag = t.trim();
    return tag === "*" || tag === etag || tag === `W/${etag}`;
  });
