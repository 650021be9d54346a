import type { QueryRunner } from "typeorm";

/** Migrations qualify every name with the data source's schema (tests isolate by schema). */
export const schemaOf = (q: QueryRunner): string => {
  const options = q.connection.options as { schema?: string };
  return options.schema ?? "public";
};
