import { objectOf, type Validation } from "../shared/validation.js";
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

// Request bodies → validated values; unknown and invalid fields are all reported at once.

export const validateRegisterItem = (raw: unknown): Validation<{ name: ItemName; price: Price }> =>
  objectOf(raw, { name: createItemName, price: createPrice });

export const validateRenameItem = (raw: unknown): Validation<{ name: ItemName }> =>
  objectOf(raw, { name: createItemName });

export const validateChangePrice = (raw: unknown): Validation<{ price: Price }> =>
  objectOf(raw, { price: createPrice });

export const validateStockMovement = (raw: unknown): Validation<{ quantity: Quantity }> =>
  objectOf(raw, { quantity: createQuantity });

export const validateDiscontinueItem = (raw: unknown): Validation<{ reason: DiscontinueReason }> =>
  objectOf(raw, { reason: createDiscontinueReason });
