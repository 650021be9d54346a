import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { createTableInput, type TableDefinition, tableEnvVar } from "./definitions.js";

/** Physical table names for one deployment (or one test suite): `<prefix><logicalName>`. */
export type TableNames = Readonly<Record<string, string>>;

export const tableNames = (prefix: string, defs: readonly TableDefinition[]): TableNames =>
  Object.fromEntries(defs.map((d) => [d.logicalName, `${prefix}${d.logicalName}`]));

/** Each table's name under the variable the deployables read it from (`JOURNAL_TABLE`, …). */
export const tableEnv = (names: TableNames): Record<string, string> =>
  Object.fromEntries(Object.entries(names).map(([logical, name]) => [tableEnvVar(logical), name]));

/** Creates the tables that do not exist yet (local development and tests; AWS uses the addons). */
export const ensureTables = async (
  client: DynamoDBClient,
  prefix: string,
  defs: readonly TableDefinition[],
): Promise<TableNames> => {
  const names = tableNames(prefix, defs);
  await Promise.all(
    defs.map(async (def) => {
      const name = `${prefix}${def.logicalName}`;
      try {
        await client.send(new CreateTableCommand(createTableInput(def, name)));
      } catch (e) {
        if (!(e instanceof ResourceInUseException)) throw e;
      }
      await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: name });
      if (def.ttlAttribute) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { Enabled: true, AttributeName: def.ttlAttribute },
          }),
        );
      }
    }),
  );
  return names;
};

export const streamArnOf = async (client: DynamoDBClient, tableName: string): Promise<string> => {
  const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const arn = out.Table?.LatestStreamArn;
  if (!arn) throw new Error(`table ${tableName} has no stream; it must be created with a stream`);
  return arn;
};
