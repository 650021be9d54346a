import pg from "pg";
import { DataSource, MigrationExecutor } from "typeorm";
import { readModelEntities } from "./entities.js";
import { readModelMigrations } from "./migrations/index.js";

export interface ReadModelDatabaseOptions {
  readonly url: string;
  /** Postgres schema holding the read model (tests use one per suite). */
  readonly schema?: string;
  readonly poolSize?: number;
  /** How long a query waits for a free connection before failing (default 10 s). */
  readonly poolTimeoutMs?: number;
  /** `statement_timeout` of every connection (default: none). Migrations are exempt. */
  readonly statementTimeoutMs?: number;
  /** node-postgres' own `query_timeout`: no answer this long fails the query (default 120 s). */
  readonly queryTimeoutMs?: number;
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
      connectionTimeoutMillis: options.poolTimeoutMs ?? 10_000,
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
      query_timeout: options.queryTimeoutMs ?? 120_000,
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
    // A migration (an index build on a big table) may take longer than a query may.
    await runner.query("SET LOCAL statement_timeout = 0");
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

export interface HealthProbe {
  /** True when the database answers `SELECT 1` within the timeout. */
  readonly answers: () => Promise<boolean>;
  readonly close: () => Promise<void>;
}

/**
 * One connection of its own for health checks, so that a saturated query pool cannot starve
 * them (the load balancer would then take a busy but healthy task out of service).
 */
export const openHealthProbe = ({ url, timeoutMs }: { url: string; timeoutMs: number }) => {
  const pool = new pg.Pool({
    connectionString: url,
    max: 1,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    keepAlive: true,
  });
  // An idle connection that drops is replaced on the next check; never crash the process.
  pool.on("error", () => undefined);
  return {
    answers: () =>
      pool.query("SELECT 1").then(
        () => true,
        () => false,
      ),
    close: () => pool.end(),
  } satisfies HealthProbe;
};
