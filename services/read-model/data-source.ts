import { DataSource, MigrationExecutor } from "typeorm";
import { readModelEntities } from "./entities.js";
import { readModelMigrations } from "./migrations/index.js";

export interface ReadModelDatabaseOptions {
  readonly url: string;
  /** Postgres schema holding the read model (tests use one per suite). */
  readonly schema?: string;
  readonly poolSize?: number;
}

const createReadModelDataSource = (options: ReadModelDatabaseOptions): DataSource =>
  new DataSource({
    type: "postgres",
    url: options.url,
    schema: options.schema ?? "public",
    entities: readModelEntities,
    migrations: readModelMigrations,
    migrationsTableName: "read_model_migrations",
    synchronize: false,
    logging: false,
    extra: {
      max: options.poolSize ?? 10,
      // A dead socket must fail the query (the consumer retries it), never hang it forever.
      connectionTimeoutMillis: 10_000,
      query_timeout: 120_000,
      keepAlive: true,
    },
  });

/**
 * Initializes the data source and applies pending migrations, all in ONE transaction that
 * first takes a transaction-scoped advisory lock: tasks starting at the same time (the consumer
 * and the query API both call this) queue on the lock, and the later ones find nothing left to
 * run. A failed migration rolls back completely. (A transaction also keeps this safe on PGlite,
 * whose connections share one session but never interleave transactions.)
 */
export const openReadModel = async (options: ReadModelDatabaseOptions): Promise<DataSource> => {
  const ds = createReadModelDataSource(options);
  await ds.initialize();
  const schema = options.schema ?? "public";
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.startTransaction();
    await runner.query("SELECT pg_advisory_xact_lock(hashtext($1))", [
      `read-model-migrations:${schema}`,
    ]);
    // Under the lock: CREATE SCHEMA IF NOT EXISTS is not safe against a concurrent twin.
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const executor = new MigrationExecutor(ds, runner);
    executor.transaction = "all";
    await executor.executePendingMigrations();
    await runner.commitTransaction();
  } catch (e) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    await ds.destroy().catch(() => undefined);
    throw e;
  } finally {
    await runner.release();
  }
  return ds;
};
