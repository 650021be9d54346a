import type { MigrationInterface, QueryRunner } from "typeorm";
import { schemaOf } from "./schema.js";

export class HistoryAndTotals1764500000000 implements MigrationInterface {
  name = "HistoryAndTotals1764500000000";

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(
      `CREATE INDEX "IDX_items_status_item_id" ON "${s}"."items" ("status", "item_id")`,
    );
    await q.query(`CREATE TABLE "${s}"."item_history" (
      "item_id" uuid NOT NULL,
      "sequence_number" integer NOT NULL,
      "event_id" uuid NOT NULL,
      "event_type" text NOT NULL,
      "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "summary" text NOT NULL,
      CONSTRAINT "PK_item_history" PRIMARY KEY ("item_id", "sequence_number")
    )`);
    await q.query(`CREATE TABLE "${s}"."inventory_totals" (
      "status" text NOT NULL,
      "item_count" bigint NOT NULL,
      "stock_units" bigint NOT NULL,
      "stock_value" numeric NOT NULL,
      CONSTRAINT "PK_inventory_totals" PRIMARY KEY ("status")
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE "${s}"."inventory_totals"`);
    await q.query(`DROP TABLE "${s}"."item_history"`);
    await q.query(`DROP INDEX "${s}"."IDX_items_status_item_id"`);
  }
}
