import type { DataSource, EntityManager } from "typeorm";
import type { JournalReader } from "../projector.js";
import { applyInTransaction } from "../projector.js";
import { liveTables, qualified, type ReadModelTables, shadowTables } from "../tables.js";

/**
 * Index and constraint names of the live tables, as the migrations create them. Shadow tables
 * get the same ones with a suffix; the swap renames them back (the drift test checks the result).
 */
const NAMED = [
  { table: "items", kind: "constraint", name: "PK_items", def: "PRIMARY KEY (item_id)" },
  { table: "items", kind: "index", name: "IDX_items_status_item_id", def: "(status, item_id)" },
  {
    table: "items",
    kind: "index",
    name: "IDX_items_name_trgm",
    def: "USING gin (name public.gin_trgm_ops) WITH (fastupdate = off)",
  },
  {
    table: "history",
    kind: "constraint",
    name: "PK_item_history",
    def: "PRIMARY KEY (item_id, sequence_number)",
  },
  { table: "totals", kind: "constraint", name: "PK_inventory_totals", def: "PRIMARY KEY (status)" },
] as const;
const SUFFIX = "__rebuild";
const TABLES = ["items", "history", "totals"] as const;

/** Rebuild bookkeeping: where each Scan segment stopped (for `--resume`). */
const progressTable = (schema: string) => `"${schema}"."rebuild_progress"`;

export interface SegmentProgress {
  readonly segment: number;
  readonly nextKey: string | null;
  readonly done: boolean;
  readonly events: number;
}

/** Drops any earlier shadow set and creates empty shadow tables shaped like the live ones. */
export const createShadowTables = async (db: DataSource, schema: string, segments: number) => {
  const live = liveTables(schema);
  const shadow = shadowTables(schema);
  await db.transaction(async (tx) => {
    for (const t of TABLES) {
      await tx.query(`DROP TABLE IF EXISTS ${qualified(shadow, t)}`);
      await tx.query(
        `CREATE TABLE ${qualified(shadow, t)} (LIKE ${qualified(live, t)} INCLUDING DEFAULTS)`,
      );
    }
    for (const n of NAMED) {
      const target = qualified(shadow, n.table);
      await tx.query(
        n.kind === "constraint"
          ? `ALTER TABLE ${target} ADD CONSTRAINT "${n.name}${SUFFIX}" ${n.def}`
          : `CREATE INDEX "${n.name}${SUFFIX}" ON ${target} ${n.def}`,
      );
    }
    await tx.query(`DROP TABLE IF EXISTS ${progressTable(schema)}`);
    await tx.query(`CREATE TABLE ${progressTable(schema)} (
      segment integer PRIMARY KEY, total_segments integer NOT NULL, next_key text,
      done boolean NOT NULL, events bigint NOT NULL)`);
    await tx.query(
      `INSERT INTO ${progressTable(schema)} SELECT s, $1, NULL, false, 0 FROM generate_series(0, $1 - 1) s`,
      [segments],
    );
  });
};

/** The saved progress of an interrupted rebuild with the same segment count, if any. */
export const loadProgress = async (
  db: DataSource,
  schema: string,
  segments: number,
): Promise<SegmentProgress[] | undefined> => {
  const exists: Array<{ n: string }> = await db.query(
    "SELECT count(*) AS n FROM pg_tables WHERE schemaname = $1 AND tablename = ANY($2)",
    [schema, ["rebuild_progress", ...TABLES.map((t) => shadowTables(schema)[t])]],
  );
  if (Number(exists[0]?.n) !== TABLES.length + 1) return undefined;
  const rows: Array<{ segment: number; total_segments: number } & Record<string, unknown>> =
    await db.query(`SELECT * FROM ${progressTable(schema)} ORDER BY segment`);
  if (rows.length !== segments || rows.some((r) => r.total_segments !== segments)) return undefined;
  return rows.map((r) => ({
    segment: r.segment,
    nextKey: (r.next_key as string | null) ?? null,
    done: r.done as boolean,
    events: Number(r.events),
  }));
};

export const saveProgress = async (tx: EntityManager, schema: string, p: SegmentProgress) => {
  await tx.query(
    `UPDATE ${progressTable(schema)} SET next_key = $2, done = $3, events = $4 WHERE segment = $1`,
    [p.segment, p.nextKey, p.done, p.events],
  );
};

export interface SwapOutcome {
  /** Items the live projection had advanced past the shadow, healed from the journal. */
  readonly reconciled: number;
}

/**
 * Swaps the shadow tables in, in ONE transaction: lock the live tables (the live projector and
 * queries wait), bring every shadow item at least to its live version from the journal, then
 * drop the live tables and rename the shadow ones (with their indexes) into place.
 */
export const swapShadowTables = async (
  db: DataSource,
  schema: string,
  journal: JournalReader,
): Promise<SwapOutcome> => {
  const live = liveTables(schema);
  const shadow = shadowTables(schema);
  return db.transaction(async (tx) => {
    await tx.query(
      `LOCK TABLE ${TABLES.map((t) => qualified(live, t)).join(", ")} IN ACCESS EXCLUSIVE MODE`,
    );
    const reconciled = await reconcile(tx, live, shadow, journal);
    for (const t of TABLES) await tx.query(`DROP TABLE ${qualified(live, t)}`);
    for (const t of TABLES) {
      await tx.query(`ALTER TABLE ${qualified(shadow, t)} RENAME TO "${live[t]}"`);
    }
    for (const n of NAMED) {
      await tx.query(
        n.kind === "constraint"
          ? `ALTER TABLE ${qualified(live, n.table)} RENAME CONSTRAINT "${n.name}${SUFFIX}" TO "${n.name}"`
          : `ALTER INDEX "${schema}"."${n.name}${SUFFIX}" RENAME TO "${n.name}"`,
      );
    }
    await tx.query(`DROP TABLE ${progressTable(schema)}`);
    return { reconciled };
  });
};

// Events the live projector applied while the rebuild scanned (or that the scan missed) are in
// the journal: a consistent read after the shadow's version brings the shadow up to date.
const reconcile = async (
  tx: EntityManager,
  live: ReadModelTables,
  shadow: ReadModelTables,
  journal: JournalReader,
): Promise<number> => {
  const behind: Array<{ item_id: string; version: number }> = await tx.query(
    `SELECT l.item_id, COALESCE(s.version, 0) AS version
       FROM ${qualified(live, "items")} l
       LEFT JOIN ${qualified(shadow, "items")} s USING (item_id)
      WHERE l.version > COALESCE(s.version, 0)`,
  );
  for (const b of behind) {
    const stream = await journal.readStream(b.item_id, b.version);
    await applyInTransaction(tx, { journal, tables: shadow, notify: true }, stream.events);
  }
  return behind.length;
};
