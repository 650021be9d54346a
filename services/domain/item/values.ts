import { err, ok, type Result } from "neverthrow";
import type { Brand } from "../shared/brand.js";
import { freeText } from "../shared/text.js";
import { type FieldError, fieldError } from "../shared/validation.js";

export type ItemId = Brand<string, "ItemId">;
export type ItemName = Brand<string, "ItemName">;
/** Minor currency units (e.g. cents). */
export type Price = Brand<number, "Price">;
export type Quantity = Brand<number, "Quantity">;
export type DiscontinueReason = Brand<string, "DiscontinueReason">;

export const ITEM_NAME_MAX = 100;
export const PRICE_MAX = 1_000_000_000;
export const QUANTITY_MAX = 1_000_000_000;
export const REASON_MAX = 500;
/** Stock stays a safe integer in JavaScript and fits the read model's bigint column. */
export const STOCK_MAX = 1_000_000_000_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export const createItemId = (raw: unknown, field = "itemId"): Result<ItemId, FieldError> =>
  typeof raw === "string" && UUID.test(raw)
    ? ok(raw as ItemId)
    : err(fieldError(field, "must be a lowercase UUID"));

export const createItemName = (raw: unknown, field = "name"): Result<ItemName, FieldError> => {
  if (raw === undefined) return err(fieldError(field, "is required"));
  if (typeof raw !== "string") return err(fieldError(field, "must be a string"));
  return freeText(raw, field, { maxCodePoints: ITEM_NAME_MAX }).map((t) => t as ItemName);
};

const boundedInteger = (
  raw: unknown,
  field: string,
  min: number,
  max: number,
): Result<number, FieldError> => {
  if (raw === undefined) return err(fieldError(field, "is required"));
  return typeof raw === "number" && Number.isInteger(raw) && raw >= min && raw <= max
    ? ok(raw + 0) // + 0 turns -0 into 0
    : err(fieldError(field, `must be an integer between ${min} and ${max}`));
};

export const createPrice = (raw: unknown, field = "price"): Result<Price, FieldError> =>
  boundedInteger(raw, field, 0, PRICE_MAX).map((n) => n as Price);

export const createQuantity = (raw: unknown, field = "quantity"): Result<Quantity, FieldError> =>
  boundedInteger(raw, field, 1, QUANTITY_MAX).map((n) => n as Quantity);

export const createDiscontinueReason = (
  raw: unknown,
  field = "reason",
): Result<DiscontinueReason, FieldError> => {
  if (raw === undefined) return ok("" as DiscontinueReason);
  if (typeof raw !== "string") return err(fieldError(field, "must be a string"));
  return freeText(raw, field, { maxCodePoints: REASON_MAX, allowBlank: true }).map(
    (t) => t as DiscontinueReason,
  );
};
