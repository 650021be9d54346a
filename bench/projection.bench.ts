// Projection throughput: events/s into Postgres for ONE worker (one batch at a time, each batch
// one transaction), as the stream consumer drives it. Postgres only: the events are built in
// memory in sequence order, so no gap healing (and no DynamoDB read) happens.
// Run alone: npx tsx bench/projection.bench.ts [--quick] [--no-write]

import { openReadModel } from "../services/read-model/data-source.js";
import { createProjector } from "../services/read-model/projector.js";
import { liveTables } from "../services/read-model/tables.js";
import { generateLives, storedEventsOf } from "./projection-workload.js";
import { benchArgs, seededRandom } from "./support/args.js";
import { writeDocSection } from "./support/doc-section.js";
import { benchInfrastructure } from "./support/infrastructure.js";
import { emitResult } from "./support/result.js";
import { round } from "./support/stats.js";
import "./support/cleanup.js";

const args = benchArgs();
const items = args.quick ? 300 : 3_000;
const infra = await benchInfrastructure("own-process");
const url = infra.databaseUrl ?? "";
const rows: Array<{ figure: string; value: number; unit: string; note?: string }> = [];

try {
  const events = storedEventsOf(generateLives(seededRandom(5), items, 8));
  for (const batchSize of [100, 1000]) {
    const schema = `bench_projection_${batchSize}_${Date.now()}`;
    const db = await openReadModel({ url, schema, poolSize: 2 });
    const noJournal = {
      readStream: () => Promise.reject(new Error("no gap expected in an in-order run")),
    };
    const project = createProjector({
      db,
      journal: noJournal,
      tables: liveTables(schema),
      notify: true,
    });
    // Items interleave like on a stream: events sorted by position in their life, then item.
    const ordered = [...events].sort(
      (a, b) => a.metadata.sequenceNumber - b.metadata.sequenceNumber,
    );
    const started = performance.now();
    for (let i = 0; i < ordered.length; i += batchSize)
      await project(ordered.slice(i, i + batchSize));
    const fresh = ordered.length / ((performance.now() - started) / 1000);
    const again = performance.now();
    for (let i = 0; i < ordered.length; i += batchSize)
      await project(ordered.slice(i, i + batchSize));
    const duplicates = ordered.length / ((performance.now() - again) / 1000);
    rows.push(
      { figure: `projection, batches of ${batchSize}`, value: round(fresh), unit: "events/s" },
      {
        figure: `redelivered duplicates, batches of ${batchSize}`,
        value: round(duplicates),
        unit: "events/s",
        note: "all skipped by the high-water marks",
      },
    );
    await db.query(`DROP SCHEMA "${schema}" CASCADE`);
    await db.destroy();
    console.error(
      `batch ${batchSize}: ${round(fresh)} events/s, duplicates ${round(duplicates)} events/s`,
    );
  }
  const table = rows.map((r) => `| ${r.figure} | ${r.value} ${r.unit} | ${r.note ?? ""} |`);
  if (args.write) {
    writeDocSection(
      "## Projection",
      [
        "## Projection",
        "",
        `\`npx tsx bench/projection.bench.ts\` (${new Date().toISOString().slice(0, 10)}; ${events.length} events of ${items} items; ${infra.description}).`,
        "One worker, one transaction per batch (locks, one read, three multi-row writes, NOTIFY).",
        "",
        "| Figure | Value | Note |",
        "|---|---|---|",
        ...table,
        "",
      ].join("\n"),
    );
  }
  emitResult({ bench: "projection", quick: args.quick, rows });
} finally {
  await infra.stop();
}
