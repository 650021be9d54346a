import { DataSource } from "typeorm";
import { readModelEntities } from "./entities.js";
import { readModelMigrations } from "./migrations/index.js";

export interface ReadModelDatabaseOptions {
  readonly url: string;
  /** Postgres schema holding the read model (tests use one per suite). */
  readonly schema?: string;
  readonly poolSize?: number;
}

export const createReadModelDataSource = (options: ReadModelDatabaseOptions): DataSource =>
  new DataSource({
    type: "postgres",
    url: options.url,
    schema: options.schema ?? "public",
    entities: readModelEntities,
    migrations: readModelMigrations,
    migrationsTableName: "read_model_migrations",
    synchronize: false,
    logging: false,
    extra: { max: options.poolSize ?? 10 },
  });

/**
 * Initializes the data source and applies pending migrations. A session advisory lock
 * serialises tasks that start at the same time (the consumer and query API both call this);
 * the later ones find nothing left to run.
 */
export const openReadModel = async (options: ReadModelDatabaseOptions): Promise<DataSource> => {
  const ds = createReadModelDataSource(options);
  await ds.initialize();
  const schema = options.schema ?? "public";
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query("SELECT pg_advisory_lock(hashtext($1))", [
      `read-model-migrations:${schema}`,
    ]);
    // Inside the lock: CREATE SCHEMA IF NOT EXISTS is not safe against a concurrent twin.
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await ds.runMigrations({ transaction: "each" });
  } finally {
    await runner.query("SELECT pg_advisory_unlock(hashtext($1))", [
      `read-model-migrations:${schema}`,
    ]);
    await runner.release();
  }
  return ds;
};
