import type { MigrationInterface, QueryRunner } from "typeorm";
import { schemaOf } from "./schema.js";

/**
 * Name search (`?q=`, a case-insensitive substring: ILIKE '%…%') through a trigram GIN index
 * instead of a scan of every item. pg_trgm is a trusted extension (PostgreSQL ≥ 13, Aurora):
 * the read model's owner may create it. It lives in `public`, once per database, created under
 * a database-wide lock because migrations of several schemas may run at once. `fastupdate` is
 * off: the projector's writes go straight into the index instead of a pending list that every
 * search would scan until the next vacuum (the planner then prefers a sequential scan).
 */
export class NameSearchIndex1764600000000 implements MigrationInterface {
  name = "NameSearchIndex1764600000000";

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query("SELECT pg_advisory_xact_lock(hashtext('read-model-extension:pg_trgm'))");
    await q.query("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public");
    await q.query(
      `CREATE INDEX "IDX_items_name_trgm" ON "${s}"."items" USING gin ("name" public.gin_trgm_ops) WITH (fastupdate = off)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "${schemaOf(q)}"."IDX_items_name_trgm"`);
  }
}
