/** Physical names of one set of read-model tables (live, or a rebuild's shadow set). */
export interface ReadModelTables {
  readonly schema: string;
  readonly items: string;
  readonly history: string;
  readonly totals: string;
}

export const liveTables = (schema = "public"): ReadModelTables => ({
  schema,
  items: "items",
  history: "item_history",
  totals: "inventory_totals",
});

/** The rebuild writes here, then renames these over the live tables in one transaction. */
export const shadowTables = (schema = "public"): ReadModelTables => ({
  schema,
  items: "items_rebuild",
  history: "item_history_rebuild",
  totals: "inventory_totals_rebuild",
});

export const qualified = (t: ReadModelTables, table: keyof Omit<ReadModelTables, "schema">) =>
  `"${t.schema}"."${t[table]}"`;

/** LISTEN/NOTIFY channel on which the projector announces versions it committed. */
export const versionChannel = (schema: string): string => `read_model_versions_${schema}`;
