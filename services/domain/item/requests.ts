import { Result } from "neverthrow";
import { objectWithKeys, type Validation } from "../shared/validation.js";
import {
  createDiscontinueReason,
  createItemName,
  createPrice,
  createQuantity,
  type DiscontinueReason,
  type ItemName,
  type Price,
  type Quantity,
} from "./values.js";

// Request bodies → validated values, every invalid field reported at once.

export const validateRegisterItem = (raw: unknown): Validation<{ name: ItemName; price: Price }> =>
  objectWithKeys(raw, ["name", "price"]).andThen((body) =>
    Result.combineWithAllErrors([createItemName(body.name), createPrice(body.price)]).map(
      ([name, price]) => ({ name, price }),
    ),
  );

export const validateRenameItem = (raw: unknown): Validation<{ name: ItemName }> =>
  objectWithKeys(raw, ["name"]).andThen((body) =>
    createItemName(body.name)
      .map((name) => ({ name }))
      .mapErr((e) => [e]),
  );

export const validateChangePrice = (raw: unknown): Validation<{ price: Price }> =>
  objectWithKeys(raw, ["price"]).andThen((body) =>
    createPrice(body.price)
      .map((price) => ({ price }))
      .mapErr((e) => [e]),
  );

export const validateStockMovement = (raw: unknown): Validation<{ quantity: Quantity }> =>
  objectWithKeys(raw, ["quantity"]).andThen((body) =>
    createQuantity(body.quantity)
      .map((quantity) => ({ quantity }))
      .mapErr((e) => [e]),
  );

export const validateDiscontinueItem = (raw: unknown): Validation<{ reason: DiscontinueReason }> =>
  objectWithKeys(raw, ["reason"]).andThen((body) =>
    createDiscontinueReason(body.reason)
      .map((reason) => ({ reason }))
      .mapErr((e) => [e]),
  );
