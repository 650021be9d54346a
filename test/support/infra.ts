import { randomBytes } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import type { DataSource } from "typeorm";
import { inject } from "vitest";
import { dynamoDbClient, dynamoDbStreamsClient } from "../../services/config/aws-clients.js";
import { openReadModel } from "../../services/read-model/data-source.js";
import { allTables, type TableDefinition } from "../../services/tables/definitions.js";
import { ensureTables, type TableNames } from "../../services/tables/provision.js";

export const uniqueSuffix = (): string => randomBytes(4).toString("hex");

export const awsOptions = () => ({ endpoint: inject("dynamodbEndpoint"), region: "us-east-1" });
export const testDynamoDb = (): DynamoDBClient => dynamoDbClient(awsOptions());
export const testDynamoDbStreams = () => dynamoDbStreamsClient(awsOptions());

export interface TestTables {
  readonly client: DynamoDBClient;
  readonly names: TableNames;
  readonly prefix: string;
  drop(): Promise<void>;
}

/** Fresh tables (unique prefix) for one suite; `drop` deletes them. */
export const createTestTables = async (
  defs: readonly TableDefinition[] = allTables,
): Promise<TestTables> => {
  const client = testDynamoDb();
  const prefix = `t${uniqueSuffix()}-`;
  const names = await ensureTables(client, prefix, defs);
  return {
    client,
    names,
    prefix,
    drop: async () => {
      await Promise.all(
        Object.values(names).map((n) => client.send(new DeleteTableCommand({ TableName: n }))),
      );
    },
  };
};

export const tableName = (tables: TestTables, logical: string): string => {
  const n = tables.names[logical];
  if (!n) throw new Error(`no table ${logical}`);
  return n;
};

export interface TestReadModel {
  readonly db: DataSource;
  readonly schema: string;
  drop(): Promise<void>;
}

/** A migrated read model in its own Postgres schema; `drop` removes the schema. */
export const createTestReadModel = async (): Promise<TestReadModel> => {
  const schema = `rm_${uniqueSuffix()}`;
  const db = await openReadModel({
    url: inject("databaseUrl"),
    schema,
    poolSize: inject("databasePoolSize"),
  });
  return {
    db,
    schema,
    drop: async () => {
      await db.query(`DROP SCHEMA "${schema}" CASCADE`);
      await db.destroy();
    },
  };
};

/**
 * One connection: the embedded PGlite socket server interleaves the protocol messages of
 * concurrent connections outside transactions; a single connection is correct on both it and
 * real Postgres (read-your-writes does not depend on the pool size).
 */
export const singleConnectionReadModel = async (): Promise<TestReadModel> => {
  const m = await createTestReadModel();
  const db = await openReadModel({ url: inject("databaseUrl"), schema: m.schema, poolSize: 1 });
  return {
    db,
    schema: m.schema,
    drop: async () => {
      await db.destroy();
      await m.drop();
    },
  };
};
