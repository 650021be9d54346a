import type { DataSource, EntityManager } from "typeorm";
import type { StoredEvent } from "../event-store/codec.js";
import type { EventStore } from "../event-store/event-store.js";
import type { ItemRow } from "./entities.js";
import { type BatchChanges, planItem, projectBatch } from "./projection.js";
import { qualified, type ReadModelTables, versionChannel } from "./tables.js";

/** The part of the journal gap healing needs: a strongly consistent read of one stream. */
export type JournalReader = Pick<EventStore, "readStream">;

/** An item reached `version` in a committed transaction. */
export interface VersionReached {
  readonly itemId: string;
  readonly version: number;
}

export interface ProjectorOptions {
  readonly db: DataSource;
  readonly journal: JournalReader;
  readonly tables: ReadModelTables;
  /** Announce committed versions on the LISTEN/NOTIFY channel (off for rebuild shadows). */
  readonly notify?: boolean;
  /** Called after commit, for in-process read-your-writes waiters. */
  readonly onCommitted?: (reached: readonly VersionReached[]) => void;
}

export interface ApplyOutcome {
  readonly applied: number;
  /** Items whose missing events were read from the journal. */
  readonly healed: number;
  readonly reached: readonly VersionReached[];
}

export type Projector = (events: readonly StoredEvent[]) => Promise<ApplyOutcome>;

/**
 * Applies a batch of events in ONE transaction. Each item's `version` is its high-water mark,
 * stored with its rows: events at or below it are duplicates and skipped; a missing event is
 * read from the journal (consistent read) and applied in order. Rejects on any infrastructure
 * fault with nothing written, so the caller can retry the whole batch.
 */
export const createProjector =
  (options: ProjectorOptions): Projector =>
  async (events) => {
    if (events.length === 0) return { applied: 0, healed: 0, reached: [] };
    const outcome = await options.db.transaction((tx) => applyInTransaction(tx, options, events));
    if (outcome.reached.length > 0) options.onCommitted?.(outcome.reached);
    return outcome;
  };

/** The projector's work inside a transaction the caller owns (the rebuild's swap uses it). */
export const applyInTransaction = async (
  tx: EntityManager,
  options: Omit<ProjectorOptions, "db" | "onCommitted">,
  events: readonly StoredEvent[],
): Promise<ApplyOutcome> => {
  const byItem = groupByItem(events);
  await lockItems(tx, options.tables, [...byItem.keys()]);
  const current = await loadItems(tx, options.tables, [...byItem.keys()]);
  const { toApply, healed } = await resolveItems(options.journal, current, byItem);
  const changes = projectBatch(current, toApply);
  await writeChanges(tx, options.tables, changes);
  const reached = changes.items.map((r) => ({ itemId: r.itemId, version: r.version }));
  if (options.notify && reached.length > 0) await notifyVersions(tx, options.tables, reached);
  return { applied: changes.history.length, healed, reached };
};

const groupByItem = (events: readonly StoredEvent[]): Map<string, StoredEvent[]> => {
  const by = new Map<string, StoredEvent[]>();
  for (const e of events) {
    const list = by.get(e.metadata.aggregateId);
    if (list) list.push(e);
    else by.set(e.metadata.aggregateId, [e]);
  }
  return by;
};

// Transaction-scoped advisory locks, taken in a fixed order, serialise concurrent batches that
// touch the same item even before its row exists (two first events racing to insert it).
const lockItems = async (tx: EntityManager, t: ReadModelTables, ids: readonly string[]) => {
  await tx.query(
    `SELECT pg_advisory_xact_lock(k) FROM (
       SELECT DISTINCT hashtextextended($1 || id, 0) AS k FROM unnest($2::text[]) AS id ORDER BY k
     ) locks`,
    [`${t.schema}.${t.items}:`, ids],
  );
};

interface RawItem {
  item_id: string;
  name: string;
  price: string;
  stock: string;
  status: ItemRow["status"];
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** The current rows of `ids` (undefined for an item with no row yet). */
export const loadItems = async (
  tx: EntityManager,
  t: ReadModelTables,
  ids: readonly string[],
): Promise<Map<string, ItemRow | undefined>> => {
  const rows: RawItem[] = await tx.query(
    `SELECT * FROM ${qualified(t, "items")} WHERE item_id = ANY($1::uuid[])`,
    [ids],
  );
  const map = new Map<string, ItemRow | undefined>(ids.map((id) => [id, undefined]));
  for (const r of rows) {
    map.set(r.item_id, {
      itemId: r.item_id,
      name: r.name,
      price: Number(r.price),
      stock: Number(r.stock),
      status: r.status,
      version: r.version,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    });
  }
  return map;
};

const resolveItems = async (
  journal: JournalReader,
  current: ReadonlyMap<string, ItemRow | undefined>,
  byItem: ReadonlyMap<string, readonly StoredEvent[]>,
) => {
  const toApply = new Map<string, readonly StoredEvent[]>();
  let healed = 0;
  await Promise.all(
    [...byItem].map(async ([itemId, events]) => {
      const plan = planItem(current.get(itemId)?.version ?? 0, events);
      if (plan.kind === "apply") {
        toApply.set(itemId, plan.events);
        return;
      }
      healed += 1;
      const stream = await journal.readStream(itemId, plan.afterVersion);
      toApply.set(itemId, stream.events);
    }),
  );
  return { toApply, healed };
};

// Multi-row writes: one statement per table whatever the batch size (arrays through unnest).
const writeChanges = async (tx: EntityManager, t: ReadModelTables, c: BatchChanges) => {
  if (c.items.length > 0) {
    await tx.query(
      `INSERT INTO ${qualified(t, "items")}
         (item_id, name, price, stock, status, version, created_at, updated_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::text[],
                            $6::integer[], $7::timestamptz[], $8::timestamptz[])
       ON CONFLICT (item_id) DO UPDATE SET name = excluded.name, price = excluded.price,
         stock = excluded.stock, status = excluded.status, version = excluded.version,
         updated_at = excluded.updated_at`,
      [
        c.items.map((r) => r.itemId),
        c.items.map((r) => r.name),
        c.items.map((r) => r.price),
        c.items.map((r) => r.stock),
        c.items.map((r) => r.status),
        c.items.map((r) => r.version),
        c.items.map((r) => r.createdAt.toISOString()),
        c.items.map((r) => r.updatedAt.toISOString()),
      ],
    );
  }
  if (c.history.length > 0) {
    await tx.query(
      `INSERT INTO ${qualified(t, "history")}
         (item_id, sequence_number, event_id, event_type, occurred_at, summary,
          actor_subject, actor_client_id)
       SELECT * FROM unnest($1::uuid[], $2::integer[], $3::uuid[], $4::text[],
                            $5::timestamptz[], $6::text[], $7::text[], $8::text[])
       ON CONFLICT DO NOTHING`,
      [
        c.history.map((h) => h.itemId),
        c.history.map((h) => h.sequenceNumber),
        c.history.map((h) => h.eventId),
        c.history.map((h) => h.eventType),
        c.history.map((h) => h.occurredAt.toISOString()),
        c.history.map((h) => h.summary),
        c.history.map((h) => h.actorSubject),
        c.history.map((h) => h.actorClientId),
      ],
    );
  }
  if (c.totals.length > 0) {
    await tx.query(
      `INSERT INTO ${qualified(t, "totals")} AS t (status, item_count, stock_units, stock_value)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::numeric[])
       ON CONFLICT (status) DO UPDATE SET item_count = t.item_count + excluded.item_count,
         stock_units = t.stock_units + excluded.stock_units,
         stock_value = t.stock_value + excluded.stock_value`,
      [
        c.totals.map((d) => d.status),
        c.totals.map((d) => d.itemCount),
        c.totals.map((d) => d.stockUnits),
        c.totals.map((d) => d.stockValue.toString()),
      ],
    );
  }
};

// NOTIFY is delivered only if the transaction commits; payloads stay under Postgres's 8000 bytes.
const notifyVersions = async (
  tx: EntityManager,
  t: ReadModelTables,
  reached: readonly VersionReached[],
) => {
  const chunks: string[] = [];
  let chunk = "";
  for (const r of reached) {
    const part = `${r.itemId}:${r.version}`;
    if (chunk.length + part.length + 1 > 7900) {
      chunks.push(chunk);
      chunk = "";
    }
    chunk = chunk ? `${chunk},${part}` : part;
  }
  if (chunk) chunks.push(chunk);
  await tx.query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", [
    versionChannel(t.schema),
    chunks,
  ]);
};

/** Parses one NOTIFY payload written by the projector (`<itemId>:<version>,...`). */
export const parseVersionPayload = (payload: string): VersionReached[] =>
  payload.split(",").flatMap((part) => {
    const m = /^([0-9a-f-]{36}):(\d+)$/.exec(part);
    return m?.[1] && m[2] ? [{ itemId: m[1], version: Number(m[2]) }] : [];
  });
