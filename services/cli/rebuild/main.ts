import { parseArgs } from "node:util";
import { ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import cliProgress from "cli-progress";
import { dynamoDbClient } from "../../config/aws-clients.js";
import {
  ConfigError,
  databaseUrl,
  int,
  logLevel,
  optionalStr,
  readConfig,
  schemaName,
  str,
} from "../../config/env.js";
import { DynamoDbEventStore } from "../../event-store/dynamodb-event-store.js";
import { createLogger } from "../../logging/logger.js";
import { openReadModel } from "../../read-model/data-source.js";
import { DynamoDbNeedsRebuildStore } from "../../read-model/needs-rebuild-store.js";
import { approximateEventCount } from "../../read-model/rebuild/journal-scan.js";
import { rebuildReadModel } from "../../read-model/rebuild/rebuild.js";

const USAGE = `Rebuilds the read model (items, item_history, inventory_totals) from the journal.

Usage: npm run rebuild -- [--segments N] [--page-size N] [--resume]

  --segments N    parallel DynamoDB Scan segments (default 4, 1..64)
  --page-size N   items per Scan page (default 500)
  --resume        continue an interrupted rebuild instead of starting afresh
Environment: DATABASE_URL, DATABASE_SCHEMA (public), JOURNAL_TABLE, AWS_REGION (us-east-1),
             DYNAMODB_ENDPOINT (DynamoDB Local only), PARKED_TABLE (optional: the consumer's
             "needs rebuild" markers, listed first and cleared after a successful swap).
The live projection keeps running; the shadow tables are swapped in atomically at the end.
While \`npm start\` runs, \`npm run rebuild\` takes its settings from .local-stack.env.`;

const fail = (message: string): never => {
  process.stderr.write(`rebuild: ${message}\n`);
  process.exit(1);
};

const parseCli = () => {
  try {
    const { values } = parseArgs({
      options: {
        segments: { type: "string", default: "4" },
        "page-size": { type: "string", default: "500" },
        resume: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    // The flags go through the same typed parser as the environment.
    const flags = readConfig(
      { SEGMENTS: values.segments, PAGE_SIZE: values["page-size"] },
      { SEGMENTS: int(4, 1, 64), PAGE_SIZE: int(500, 1, 10_000) },
    );
    return { segments: flags.SEGMENTS, pageSize: flags.PAGE_SIZE, resume: values.resume };
  } catch (e) {
    return fail(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
  }
};

const readEnv = () => {
  try {
    return readConfig(process.env, {
      DATABASE_URL: databaseUrl(),
      DATABASE_SCHEMA: schemaName(),
      JOURNAL_TABLE: str(),
      AWS_REGION: str("us-east-1"),
      DYNAMODB_ENDPOINT: optionalStr(),
      PARKED_TABLE: optionalStr(),
      LOG_LEVEL: logLevel(),
    });
  } catch (e) {
    return fail(e instanceof ConfigError ? e.message : String(e));
  }
};

const cli = parseCli();
const env = readEnv();
// What happened goes to the log (stdout); usage errors and the progress bar go to stderr.
const logger = createLogger({ service: "rebuild", level: env.LOG_LEVEL });
const dynamo = dynamoDbClient({ endpoint: env.DYNAMODB_ENDPOINT, region: env.AWS_REGION });

const estimate = await approximateEventCount(dynamo, env.JOURNAL_TABLE).catch((e: unknown) =>
  fail(
    e instanceof ResourceNotFoundException
      ? `journal table "${env.JOURNAL_TABLE}" does not exist (check JOURNAL_TABLE and AWS_REGION)`
      : `cannot reach DynamoDB: ${String(e)}`,
  ),
);
const db = await openReadModel({ url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA }).catch(
  (e: unknown) => fail(`cannot open the read model database: ${String(e)}`),
);

const markers = env.PARKED_TABLE
  ? new DynamoDbNeedsRebuildStore(dynamo, env.PARKED_TABLE)
  : undefined;
const scanStartedAt = new Date();
for (const m of (await markers?.list()) ?? [])
  logger.info(
    { shardId: m.shardId, reason: m.reason, detectedAt: m.detectedAt.toISOString() },
    'healing a "needs rebuild" marker',
  );

const bar = new cliProgress.SingleBar(
  {
    stream: process.stderr,
    format:
      "{phase} [{bar}] {value}/{total} events | {rate} ev/s | ETA {eta_formatted} | segments {done}/{segments}",
    etaBuffer: 50,
    // Not a terminal (CI, ECS logs): a plain line every 5 s instead of redrawing.
    noTTYOutput: true,
    notTTYSchedule: 5000,
  },
  cliProgress.Presets.shades_classic,
);
const startedAt = Date.now();
bar.start(Math.max(estimate ?? 0, 1), 0, {
  phase: "scanning",
  rate: 0,
  done: 0,
  segments: cli.segments,
});

try {
  const outcome = await rebuildReadModel({
    db,
    schema: env.DATABASE_SCHEMA,
    dynamo,
    journalTableName: env.JOURNAL_TABLE,
    journal: new DynamoDbEventStore({ client: dynamo, journalTableName: env.JOURNAL_TABLE }),
    segments: cli.segments,
    pageSize: cli.pageSize,
    resume: cli.resume,
    onProgress: (p) => {
      // The table's item count is approximate: grow the total rather than overflow the bar.
      if (p.events > bar.getTotal()) bar.setTotal(p.events);
      const seconds = Math.max((Date.now() - startedAt) / 1000, 0.001);
      bar.update(p.events, {
        phase: p.phase,
        rate: Math.round(p.events / seconds),
        done: p.segmentsDone,
      });
    },
  });
  bar.stop();
  const seconds = (Date.now() - startedAt) / 1000;
  logger.info(
    {
      events: outcome.events,
      resumed: outcome.resumed,
      seconds: Number(seconds.toFixed(1)),
      eventsPerSecond: Math.round(outcome.events / Math.max(seconds, 0.001)),
      reconciled: outcome.reconciled,
    },
    "rebuild done: the read model was swapped in",
  );
  // Markers found before the scan started are healed by it; a newer one needs another run.
  const left = (await markers?.list()) ?? [];
  if (left.every((m) => m.detectedAt <= scanStartedAt)) await markers?.clear();
  else logger.warn('a new "needs rebuild" marker appeared meanwhile: run again');
  await db.destroy();
} catch (e) {
  bar.stop();
  await db.destroy().catch(() => undefined);
  fail(
    `${e instanceof Error ? e.message : String(e)}\n` +
      "Nothing was swapped: the live tables are untouched. Re-run with --resume to continue.",
  );
}
