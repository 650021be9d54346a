import type { StoredEvent } from "../event-store/codec.js";
import type { ItemRow } from "./entities.js";

/**
 * Pure projection of one event onto the current row of its item (undefined before
 * registration). Returns the next row; version bookkeeping is the projector's job.
 */
export const projectItem = (row: ItemRow | undefined, stored: StoredEvent): ItemRow | undefined => {
  const { event, metadata } = stored;
  const touched = { version: metadata.sequenceNumber, updatedAt: metadata.occurredAt };
  if (event.type === "ItemRegistered") {
    return {
      itemId: metadata.aggregateId,
      name: event.data.name,
      price: event.data.price,
      stock: 0,
      status: "Active",
      createdAt: metadata.occurredAt,
      ...touched,
    };
  }
  if (!row) return row;
  switch (event.type) {
    case "ItemRenamed":
      return { ...row, name: event.data.name, ...touched };
    case "ItemPriceChanged":
      return { ...row, price: event.data.price, ...touched };
    case "StockReceived":
      return { ...row, stock: row.stock + event.data.quantity, ...touched };
    case "StockShipped":
      return { ...row, stock: row.stock - event.data.quantity, ...touched };
    case "ItemDiscontinued":
      return { ...row, status: "Discontinued", ...touched };
  }
};
