import { EntitySchema } from "typeorm";

/** Current state of one item, as the query API shows it. */
export interface ItemRow {
  itemId: string;
  name: string;
  price: number;
  stock: number;
  status: "Active" | "Discontinued";
  /** Sequence number of the last event applied: the per-item high-water mark. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
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
    itemId: { name: "item_id", type: "uuid", primary: true },
    name: { name: "name", type: "text" },
    price: { name: "price", type: "bigint", transformer: bigintAsNumber },
    stock: { name: "stock", type: "bigint", transformer: bigintAsNumber },
    status: { name: "status", type: "text" },
    version: { name: "version", type: "integer" },
    createdAt: { name: "created_at", type: "timestamptz" },
    updatedAt: { name: "updated_at", type: "timestamptz" },
  },
});

export const readModelEntities = [ItemEntity];
