import {
  type EmbeddedPostgresMode,
  type LocalInfrastructure,
  startLocalInfrastructure,
} from "../../dev/local-infrastructure.js";

/**
 * The benchmarks' infrastructure: the servers DYNAMODB_ENDPOINT / DATABASE_URL name when set,
 * else DynamoDB Local and (unless "none") embedded Postgres started here.
 */
export const benchInfrastructure = (
  postgres: EmbeddedPostgresMode,
): Promise<LocalInfrastructure<string | undefined>> =>
  startLocalInfrastructure({
    dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT,
    databaseUrl: process.env.DATABASE_URL,
    postgres,
  });
