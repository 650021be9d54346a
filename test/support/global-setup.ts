import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../services/local/dynamodb-local.js";
import { startEmbeddedPostgres } from "../../services/local/embedded-postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    databaseUrl: string;
    /** 1 on embedded PGlite, which can interleave concurrent queries of one pool. */
    databasePoolSize: number;
  }
}

/**
 * Starts DynamoDB Local and Postgres once per run, unless DYNAMODB_ENDPOINT / DATABASE_URL
 * name running ones. Suites isolate themselves with unique table prefixes and schemas.
 */
export default async function setup(project: TestProject) {
  const stops: Array<() => Promise<void>> = [];
  let endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) {
    const local = await startDynamoDbLocal();
    stops.push(local.stop);
    endpoint = local.endpoint;
  }
  let url = process.env.DATABASE_URL;
  if (!url) {
    const pg = await startEmbeddedPostgres();
    stops.push(pg.stop);
    url = pg.url;
  }
  project.provide("dynamodbEndpoint", endpoint);
  project.provide("databaseUrl", url);
  project.provide("databasePoolSize", process.env.DATABASE_URL ? 4 : 1);
  return async () => {
    for (const stop of stops) await stop();
  };
}
