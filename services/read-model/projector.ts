import type { DataSource } from "typeorm";
import type { StoredEvent } from "../event-store/codec.js";
import { ItemEntity, type ItemRow } from "./entities.js";
import { projectItem } from "./projection.js";

/**
 * Applies a batch of events in one transaction. Each item's `version` is its high-water mark:
 * events at or below it are duplicates and skipped, so redelivery is harmless.
 */
export const applyEvents = async (
  ds: DataSource,
  events: readonly StoredEvent[],
): Promise<void> => {
  if (events.length === 0) return;
  await ds.transaction(async (tx) => {
    const repo = tx.getRepository(ItemEntity);
    const ids = [...new Set(events.map((e) => e.metadata.aggregateId))];
    const existing = await repo
      .createQueryBuilder("i")
      .where("i.item_id IN (:...ids)", { ids })
      .setLock("pessimistic_write")
      .getMany();
    const rows = new Map<string, ItemRow | undefined>(existing.map((r) => [r.itemId, r]));
    const changed = new Set<string>();
    for (const e of events) {
      const id = e.metadata.aggregateId;
      const current = rows.get(id);
      if ((current?.version ?? 0) >= e.metadata.sequenceNumber) continue;
      rows.set(id, projectItem(current, e));
      changed.add(id);
    }
    const toSave = [...changed]
      .map((id) => rows.get(id))
      .filter((r): r is ItemRow => r !== undefined);
    if (toSave.length > 0) await repo.upsert(toSave, ["itemId"]);
  });
};
