import { startDynamoDbLocal } from "./dynamodb-local.js";
import { startEmbeddedPostgres } from "./embedded-postgres.js";

export interface LocalInfrastructure {
  readonly dynamodbEndpoint: string;
  readonly databaseUrl: string;
  /** True when Postgres is embedded PGlite (one connection at a time is safest). */
  readonly embeddedPostgres: boolean;
  /** Stops whatever this call started (nothing for given endpoints). */
  stop(): Promise<void>;
}

/**
 * DynamoDB Local and embedded Postgres for tests and smoke runs, each only when the caller
 * names no running one (callers pass DYNAMODB_ENDPOINT / DATABASE_URL; this reads no env).
 */
export const startLocalInfrastructure = async (existing: {
  readonly dynamodbEndpoint?: string | undefined;
  readonly databaseUrl?: string | undefined;
}): Promise<LocalInfrastructure> => {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    let dynamodbEndpoint = existing.dynamodbEndpoint;
    if (!dynamodbEndpoint) {
      const local = await startDynamoDbLocal();
      stops.push(local.stop);
      dynamodbEndpoint = local.endpoint;
    }
    let databaseUrl = existing.databaseUrl;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres();
      stops.push(pg.stop);
      databaseUrl = pg.url;
    }
    return { dynamodbEndpoint, databaseUrl, embeddedPostgres: !existing.databaseUrl, stop };
  } catch (e) {
    // Do not leave a JVM behind when the second half fails to start.
    await stop();
    throw e;
  }
};
