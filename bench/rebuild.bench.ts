// Rebuild throughput: events/s from the journal (parallel Scan segments) into the shadow tables
// and swapped in, at two journal sizes. Run alone: npx tsx bench/rebuild.bench.ts [--quick] [--no-write]

import { dynamoDbClient } from "../services/config/aws-clients.js";
import { DynamoDbEventStore } from "../services/event-store/dynamodb-event-store.js";
import { openReadModel } from "../services/read-model/data-source.js";
import { rebuildReadModel } from "../services/read-model/rebuild/rebuild.js";
import { allTables } from "../services/tables/definitions.js";
import { ensureTables } from "../services/tables/provision.js";
import { appendLives, generateLives, journalAppender } from "./projection-workload.js";
import { benchArgs, seededRandom } from "./support/args.js";
import { writeDocSection } from "./support/doc-section.js";
import { benchInfrastructure } from "./support/infrastructure.js";
import { emitResult } from "./support/result.js";
import { round } from "./support/stats.js";
import "./support/cleanup.js";

const args = benchArgs();
const sizes = args.quick ? [100, 300] : [300, 1_500];
const segments = 4;
const infra = await benchInfrastructure("own-process");
const dynamo = dynamoDbClient({ endpoint: infra.dynamodbEndpoint, region: "us-east-1" });
const rows: Array<{ figure: string; value: number; unit: string; note?: string }> = [];

try {
  const random = seededRandom(9);
  for (const items of sizes) {
    const names = await ensureTables(dynamo, `bench-rebuild-${items}-${Date.now()}-`, allTables);
    const journalTableName = names.journal ?? "";
    const store = new DynamoDbEventStore({ client: dynamo, journalTableName });
    // Several events per append: generating the journal is not what is measured. (Bigger or
    // more concurrent transactions time out on DynamoDB Local's locks.)
    const events = await appendLives(
      journalAppender(dynamo, journalTableName),
      generateLives(random, items, 8),
      {
        concurrency: 4,
        eventsPerAppend: 25,
      },
    );
    const schema = `bench_rebuild_${items}_${Date.now()}`;
    const db = await openReadModel({
      url: infra.databaseUrl ?? "",
      schema,
      poolSize: segments + 1,
    });
    const started = performance.now();
    const outcome = await rebuildReadModel({
      db,
      schema,
      dynamo,
      journalTableName,
      journal: store,
      segments,
    });
    const rate = outcome.events / ((performance.now() - started) / 1000);
    rows.push({
      figure: `rebuild of ${events.length} events (${items} items), ${segments} segments`,
      value: round(rate),
      unit: "events/s",
    });
    console.error(`${events.length} events: ${round(rate)} events/s`);
    await db.query(`DROP SCHEMA "${schema}" CASCADE`);
    await db.destroy();
  }
  if (args.write) {
    writeDocSection(
      "## Rebuild",
      [
        "## Rebuild",
        "",
        `\`npx tsx bench/rebuild.bench.ts\` (${new Date().toISOString().slice(0, 10)}; ${infra.description}).`,
        "Scan (consistent, parallel segments) → shadow tables → reconcile and swap.",
        "",
        "| Figure | Value |",
        "|---|---|",
        ...rows.map((r) => `| ${r.figure} | ${r.value} ${r.unit} |`),
        "",
      ].join("\n"),
    );
  }
  emitResult({ bench: "rebuild", quick: args.quick, rows });
} finally {
  await infra.stop();
}
