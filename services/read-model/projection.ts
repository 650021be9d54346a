import type { StoredEvent } from "../event-store/codec.js";
import type { ItemHistoryRow, ItemRow, ItemStatus } from "./entities.js";

/**
 * Text as Postgres can store it. Events already journaled may hold anything (they were written
 * before text was validated, or by another writer): a NUL, which Postgres refuses in `text`
 * (SQLSTATE 22021), or a lone surrogate. Each becomes U+FFFD, so such an event still projects
 * and rebuilds instead of parking its item for good.
 */
export const storableText = (text: string): string =>
  text.replaceAll("\u0000", "\ufffd").replace(/\p{Cs}/gu, "\ufffd");

/**
 * Pure projection of one event onto the current row of its item (undefined before
 * registration). Returns the next row, with `version` = the event's sequence number.
 */
export const projectItem = (row: ItemRow | undefined, stored: StoredEvent): ItemRow | undefined => {
  const { event, metadata } = stored;
  const touched = { version: metadata.sequenceNumber, updatedAt: metadata.occurredAt };
  if (event.type === "ItemRegistered") {
    return {
      itemId: metadata.aggregateId,
      name: storableText(event.data.name),
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
      return { ...row, name: storableText(event.data.name), ...touched };
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

/** A readable one-liner for the history of an item; `after` is the row once the event applied. */
export const summarize = (stored: StoredEvent, after: ItemRow | undefined): string => {
  const { event } = stored;
  switch (event.type) {
    case "ItemRegistered":
      return `Registered "${event.data.name}" at price ${event.data.price}`;
    case "ItemRenamed":
      return `Renamed to "${event.data.name}"`;
    case "ItemPriceChanged":
      return `Price changed to ${event.data.price}`;
    case "StockReceived":
      return `Received ${event.data.quantity} (stock ${after?.stock ?? "?"})`;
    case "StockShipped":
      return `Shipped ${event.data.quantity} (stock ${after?.stock ?? "?"})`;
    case "ItemDiscontinued":
      return event.data.reason ? `Discontinued: ${event.data.reason}` : "Discontinued";
  }
};

const historyRowOf = (stored: StoredEvent, after: ItemRow | undefined): ItemHistoryRow => ({
  itemId: stored.metadata.aggregateId,
  sequenceNumber: stored.metadata.sequenceNumber,
  eventId: stored.metadata.eventId,
  eventType: stored.metadata.eventType,
  occurredAt: stored.metadata.occurredAt,
  summary: storableText(summarize(stored, after)),
  // Token claims are text from the issuer: stored as safely as any other text.
  actorSubject: stored.metadata.actor ? storableText(stored.metadata.actor.subject) : null,
  actorClientId: stored.metadata.actor?.clientId
    ? storableText(stored.metadata.actor.clientId)
    : null,
});

/** Change of one status's totals; stockValue as bigint (stock × price may exceed 2^53). */
export interface TotalsDelta {
  readonly status: ItemStatus;
  readonly itemCount: number;
  readonly stockUnits: number;
  readonly stockValue: bigint;
}

const contribution = (row: ItemRow, sign: 1 | -1): TotalsDelta => ({
  status: row.status,
  itemCount: sign,
  stockUnits: sign * row.stock,
  stockValue: BigInt(sign) * BigInt(row.stock) * BigInt(row.price),
});

/** Sums deltas per status, dropping the ones that cancel out; sorted by status (lock order). */
export const sumTotals = (deltas: readonly TotalsDelta[]): TotalsDelta[] => {
  const by = new Map<ItemStatus, TotalsDelta>();
  for (const d of deltas) {
    const prev = by.get(d.status);
    by.set(
      d.status,
      prev
        ? {
            status: d.status,
            itemCount: prev.itemCount + d.itemCount,
            stockUnits: prev.stockUnits + d.stockUnits,
            stockValue: prev.stockValue + d.stockValue,
          }
        : d,
    );
  }
  return [...by.values()]
    .filter((d) => d.itemCount !== 0 || d.stockUnits !== 0 || d.stockValue !== 0n)
    .sort((a, b) => a.status.localeCompare(b.status));
};

/** How an item's totals contribution moves when its row goes from `before` to `after`. */
export const totalsDelta = (before: ItemRow | undefined, after: ItemRow | undefined) =>
  sumTotals([
    ...(before ? [contribution(before, -1)] : []),
    ...(after ? [contribution(after, 1)] : []),
  ]);

/**
 * What to do with the events a batch holds for one item, given its stored high-water mark:
 * `apply` the new ones (contiguous from stored + 1, in order), or `heal` from the journal when
 * one is missing. Duplicates (≤ stored, or repeated) are dropped.
 */
export type ItemPlan =
  | { readonly kind: "apply"; readonly events: readonly StoredEvent[] }
  | { readonly kind: "heal"; readonly afterVersion: number };

export const planItem = (storedVersion: number, events: readonly StoredEvent[]): ItemPlan => {
  const fresh = new Map<number, StoredEvent>();
  for (const e of events) {
    if (e.metadata.sequenceNumber > storedVersion) fresh.set(e.metadata.sequenceNumber, e);
  }
  const ordered = [...fresh.values()].sort(
    (a, b) => a.metadata.sequenceNumber - b.metadata.sequenceNumber,
  );
  const contiguous = ordered.every((e, i) => e.metadata.sequenceNumber === storedVersion + i + 1);
  return contiguous
    ? { kind: "apply", events: ordered }
    : { kind: "heal", afterVersion: storedVersion };
};

/** The rows one batch writes: upserted items, inserted history, summed totals deltas. */
export interface BatchChanges {
  readonly items: readonly ItemRow[];
  readonly history: readonly ItemHistoryRow[];
  readonly totals: readonly TotalsDelta[];
}

/**
 * Folds each item's (contiguous, ordered) events over its current row. Events of an item with
 * no row that do not start with a registration leave it without a row (a bug upstream), but
 * still appear in its history.
 */
export const projectBatch = (
  current: ReadonlyMap<string, ItemRow | undefined>,
  eventsByItem: ReadonlyMap<string, readonly StoredEvent[]>,
): BatchChanges => {
  const items: ItemRow[] = [];
  const history: ItemHistoryRow[] = [];
  const deltas: TotalsDelta[] = [];
  for (const [itemId, events] of eventsByItem) {
    if (events.length === 0) continue;
    const before = current.get(itemId);
    let row = before;
    for (const e of events) {
      row = projectItem(row, e);
      history.push(historyRowOf(e, row));
    }
    if (row) items.push(row);
    deltas.push(...totalsDelta(before, row));
  }
  return { items, history, totals: sumTotals(deltas) };
};
