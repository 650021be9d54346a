import type { MigrationInterface, QueryRunner } from "typeorm";
import { schemaOf } from "./schema.js";

export class CreateItems1764400000000 implements MigrationInterface {
  name = "CreateItems1764400000000";

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE "${s}"."items" (
      "item_id" uuid NOT NULL,
      "name" text NOT NULL,
      "price" bigint NOT NULL,
      "stock" bigint NOT NULL,
      "status" text NOT NULL,
      "version" integer NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      CONSTRAINT "PK_items" PRIMARY KEY ("item_id")
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "${schemaOf(q)}"."items"`);
  }
}
