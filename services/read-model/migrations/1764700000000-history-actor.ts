import type { MigrationInterface, QueryRunner } from "typeorm";
import { schemaOf } from "./schema.js";

/** Who caused each event (token `sub` and client), shown in an item's history. */
export class HistoryActor1764700000000 implements MigrationInterface {
  name = "HistoryActor1764700000000";

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(
      `ALTER TABLE "${s}"."item_history" ADD "actor_subject" text, ADD "actor_client_id" text`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(
      `ALTER TABLE "${s}"."item_history" DROP COLUMN "actor_client_id", DROP COLUMN "actor_subject"`,
    );
  }
}
