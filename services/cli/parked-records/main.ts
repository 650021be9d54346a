import { dynamoDbClient } from "../../config/aws-clients.js";
import {
  ConfigError,
  ConfigProblem,
  databaseUrl,
  optionalStr,
  readConfig,
  schemaName,
  str,
} from "../../config/env.js";
import { DynamoDbEventStore } from "../../event-store/dynamodb-event-store.js";
import { openReadModel } from "../../read-model/data-source.js";
import { DynamoDbNeedsRebuildStore } from "../../read-model/needs-rebuild-store.js";
import { readModelHandler } from "../../read-model/stream-handler.js";
import { DynamoDbParkingStore } from "../../streams/parking/dynamodb-parking-store.js";
import { parseCommandLine, runParkedRecordsCli, UsageError, usage } from "./cli.js";

// Operator CLI: `npm run parked -- <command>` (see --help); in the image, `parked-records`.
const out = (text: string) => process.stdout.write(`${text}\n`);
const fail = (message: string, code: number): never => {
  process.stderr.write(`parked-records: ${message}\n`);
  process.exit(code);
};

const main = async (argv: readonly string[]): Promise<number> => {
  const args = parseCommandLine(argv);
  if (args.help || !args.command) {
    out(usage);
    return 0;
  }
  const config = readConfig(process.env, {
    AWS_REGION: str("us-east-1"),
    DYNAMODB_ENDPOINT: optionalStr(),
    // The read model's parked table, or with --publisher the integration publisher's.
    PARKED_TABLE: optionalStr(),
    PUBLISHER_PARKED_TABLE: optionalStr(),
    JOURNAL_TABLE: optionalStr(),
    DATABASE_URL: optionalStr(),
    DATABASE_SCHEMA: schemaName(),
  });
  const [variable, table] = args.publisher
    ? ["PUBLISHER_PARKED_TABLE", config.PUBLISHER_PARKED_TABLE]
    : ["PARKED_TABLE", config.PARKED_TABLE];
  if (!table) throw new ConfigError([`${variable} is required`]);
  const dynamo = dynamoDbClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION });
  return runParkedRecordsCli(argv, {
    store: new DynamoDbParkingStore(dynamo, table),
    needsRebuild: new DynamoDbNeedsRebuildStore(dynamo, table),
    out,
    openHandler: async () => {
      // The same projection handler the stream consumer runs (see stream-consumer/main.ts).
      const url = databaseUrl().parse(config.DATABASE_URL, "DATABASE_URL");
      const problems = [
        ...(url instanceof ConfigProblem ? [`${url.message} for replay`] : []),
        ...(config.JOURNAL_TABLE ? [] : ["JOURNAL_TABLE is required for replay"]),
      ];
      if (problems.length > 0 || url instanceof ConfigProblem) throw new ConfigError(problems);
      const db = await openReadModel({ url, schema: config.DATABASE_SCHEMA });
      const handler = readModelHandler({
        db,
        journal: new DynamoDbEventStore({
          client: dynamo,
          journalTableName: config.JOURNAL_TABLE as string,
        }),
        schema: config.DATABASE_SCHEMA,
      });
      return { handler, close: () => db.destroy() };
    },
  });
};

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) fail(`${e.message}\n\n${usage}`, 2);
  if (e instanceof ConfigError) fail(e.message, 2);
  fail(e instanceof Error ? e.message : String(e), 1);
}
