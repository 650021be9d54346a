import { EntitySchema } from "typeorm";

/** Every status an item row can have (list filter, totals per status, OpenAPI enums). */
export const ITEM_STATUSES = ["Active", "Discontinued"] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

/** Current state of one item, as the query API shows it. */
export interface ItemRow {
  itemId: string;
  name: string;
  price: number;
  stock: number;
  status: ItemStatus;
  /** Sequence number of the last event applied: the per-item high-water mark. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** One row per applied event of one item. */
export interface ItemHistoryRow {
  itemId: string;
  sequenceNumber: number;
  eventId: string;
  eventType: string;
  occurredAt: Date;
  /** Human-readable one-liner, e.g. `Received 5 (stock 12)`. */
  summary: string;
  /** Who caused the event (token `sub`); null for events written before tokens were required. */
  actorSubject: string | null;
  /** The OAuth client of that token, when it named one. */
  actorClientId: string | null;
}

/** Cross-item projection: items and stock per status. */
export interface InventoryTotalsRow {
  status: ItemStatus;
  itemCount: number;
  stockUnits: number;
  /** Sum of stock × price in minor units; numeric, so kept as a decimal string. */
  stockValue: string;
}

// bigint columns come back from pg as strings; these values fit in a JS number.
const bigintAsNumber = {
  to: (v: number) => v,
  from: (v: string | null) => (v === null ? v : Number(v)),
};

// EntitySchema instead of decorators: no emitDecoratorMetadata, so tsx/vitest/esbuild work as is.
export const ItemEntity = new EntitySchema<ItemRow>({
  name: "ItemRow",
  tableName: "items",
  columns: {
    itemId: { name: "item_id", type: "uuid", primary: true, primaryKeyConstraintName: "PK_items" },
    name: { name: "name", type: "text" },
    price: { name: "price", type: "bigint", transformer: bigintAsNumber },
    stock: { name: "stock", type: "bigint", transformer: bigintAsNumber },
    status: { name: "status", type: "text" },
    version: { name: "version", type: "integer" },
    createdAt: { name: "created_at", type: "timestamptz" },
    updatedAt: { name: "updated_at", type: "timestamptz" },
  },
  // Keyset pagination filtered by status walks this index in item_id order.
  // Name search (ILIKE '%q%') uses a pg_trgm GIN index; TypeORM cannot describe one, so it is
  // declared here unsynchronised (the migration creates it, schema sync leaves it alone).
  indices: [
    { name: "IDX_items_status_item_id", columns: ["status", "itemId"] },
    { name: "IDX_items_name_trgm", columns: ["name"], synchronize: false },
  ],
});

export const ItemHistoryEntity = new EntitySchema<ItemHistoryRow>({
  name: "ItemHistoryRow",
  tableName: "item_history",
  columns: {
    itemId: {
      name: "item_id",
      type: "uuid",
      primary: true,
      primaryKeyConstraintName: "PK_item_history",
    },
    sequenceNumber: {
      name: "sequence_number",
      type: "integer",
      primary: true,
      primaryKeyConstraintName: "PK_item_history",
    },
    eventId: { name: "event_id", type: "uuid" },
    eventType: { name: "event_type", type: "text" },
    occurredAt: { name: "occurred_at", type: "timestamptz" },
    summary: { name: "summary", type: "text" },
    actorSubject: { name: "actor_subject", type: "text", nullable: true },
    actorClientId: { name: "actor_client_id", type: "text", nullable: true },
  },
});

export const InventoryTotalsEntity = new EntitySchema<InventoryTotalsRow>({
  name: "InventoryTotalsRow",
  tableName: "inventory_totals",
  columns: {
    status: {
      name: "status",
      type: "text",
      primary: true,
      primaryKeyConstraintName: "PK_inventory_totals",
    },
    itemCount: { name: "item_count", type: "bigint", transformer: bigintAsNumber },
    stockUnits: { name: "stock_units", type: "bigint", transformer: bigintAsNumber },
    stockValue: { name: "stock_value", type: "numeric" },
  },
});

export const readModelEntities = [ItemEntity, ItemHistoryEntity, InventoryTotalsEntity];
