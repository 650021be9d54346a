import type { TestProject } from "vitest/node";
import { startLocalInfrastructure } from "../../dev/local-infrastructure.js";

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
  const infra = await startLocalInfrastructure({
    dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT,
    databaseUrl: process.env.DATABASE_URL,
  });
  project.provide("dynamodbEndpoint", infra.dynamodbEndpoint);
  project.provide("databaseUrl", infra.databaseUrl);
  project.provide("databasePoolSize", infra.embeddedPostgres ? 1 : 4);
  return infra.stop;
}
