import type { DataSource } from "typeorm";
import {
  ItemEntity,
  ItemHistoryEntity,
  type ItemHistoryRow,
  type ItemRow,
} from "../../read-model/entities.js";
import type { HistoryParams, ItemListParams } from "./params.js";

/** Reads of the items and item_history tables (keyset pagination: stable, index-backed). */
export class ItemReads {
  constructor(private readonly db: DataSource) {}

  findItem(itemId: string): Promise<ItemRow | null> {
    return this.db.getRepository(ItemEntity).findOneBy({ itemId });
  }

  async versionOf(itemId: string): Promise<number> {
    const row = await this.db
      .getRepository(ItemEntity)
      .findOne({ select: { version: true }, where: { itemId } });
    return row?.version ?? 0;
  }

  /** The query of one page (+1 row to tell whether another follows); `q` uses the trigram index. */
  listItemsQuery(p: ItemListParams) {
    const qb = this.db.getRepository(ItemEntity).createQueryBuilder("i");
    if (p.after) qb.andWhere("i.item_id > :after", { after: p.after });
    if (p.status) qb.andWhere("i.status = :status", { status: p.status });
    if (p.q) qb.andWhere("i.name ILIKE :q ESCAPE '\\'", { q: `%${escapeLike(p.q)}%` });
    return qb.orderBy("i.item_id", "ASC").take(p.limit + 1);
  }

  /** One page in item_id order, plus whether another page follows. */
  async listItems(p: ItemListParams): Promise<{ rows: ItemRow[]; more: boolean }> {
    const rows = await this.listItemsQuery(p).getMany();
    return { rows: rows.slice(0, p.limit), more: rows.length > p.limit };
  }

  async listHistory(
    itemId: string,
    p: HistoryParams,
  ): Promise<{ rows: ItemHistoryRow[]; more: boolean }> {
    const qb = this.db
      .getRepository(ItemHistoryEntity)
      .createQueryBuilder("h")
      .where("h.item_id = :itemId", { itemId });
    if (p.after !== undefined) qb.andWhere("h.sequence_number > :after", { after: p.after });
    const rows = await qb
      .orderBy("h.sequence_number", "ASC")
      .take(p.limit + 1)
      .getMany();
    return { rows: rows.slice(0, p.limit), more: rows.length > p.limit };
  }
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export const itemJson = (row: ItemRow) => ({
  itemId: row.itemId,
  name: row.name,
  price: row.price,
  stock: row.stock,
  status: row.status,
  version: row.version,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export const historyJson = (row: ItemHistoryRow) => ({
  sequenceNumber: row.sequenceNumber,
  eventId: row.eventId,
  type: row.eventType,
  occurredAt: row.occurredAt.toISOString(),
  summary: row.summary,
  actor:
    row.actorSubject === null
      ? null
      : { sub: row.actorSubject, clientId: row.actorClientId ?? undefined },
});
