import type { TestProject } from "vitest/node";
import {
  type LocalInfrastructure,
  startLocalInfrastructure,
} from "../../dev/local-infrastructure.js";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    databaseUrl: string;
    /** 1 on embedded PGlite, which can interleave concurrent queries of one pool. */
    databasePoolSize: number;
    /** PGlite: no NOTIFY across connections. Real Postgres (CI) must deliver every one. */
    embeddedPostgres: boolean;
  }
}

/**
 * The integration and e2e projects each run this file; the infrastructure is started by the
 * first and stopped by the last. Each project may load its own copy of this module, hence the
 * process-wide slot.
 */
const shared = globalThis as {
  itemServiceInfra?: { infra: Promise<LocalInfrastructure>; users: number };
};

/**
 * Starts DynamoDB Local and Postgres once per run, unless DYNAMODB_ENDPOINT / DATABASE_URL
 * name running ones. Suites isolate themselves with unique table prefixes and schemas.
 */
export default async function setup(project: TestProject) {
  shared.itemServiceInfra ??= {
    infra: startLocalInfrastructure({
      dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT,
      databaseUrl: process.env.DATABASE_URL,
    }),
    users: 0,
  };
  const slot = shared.itemServiceInfra;
  slot.users += 1;
  const infra = await slot.infra;
  project.provide("dynamodbEndpoint", infra.dynamodbEndpoint);
  project.provide("databaseUrl", infra.databaseUrl);
  project.provide("databasePoolSize", infra.embeddedPostgres ? 1 : 4);
  project.provide("embeddedPostgres", infra.embeddedPostgres);
  return async () => {
    slot.users -= 1;
    if (slot.users > 0) return;
    shared.itemServiceInfra = undefined;
    await infra.stop();
  };
}
