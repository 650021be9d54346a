/**
 * Stream consumer throughput on Kinesis (kinesalite, its own process): events/s drained by 1, 2
 * and 4 workers from an 8-shard stream with a counting handler, the lease table on DynamoDB
 * Local. Writes the "## Stream consumer on Kinesis" section of docs/benchmarks.md.
 * `npx tsx bench/stream-consumer-kinesis.bench.ts [--quick] [--no-write]`
 */
import { cpus } from "node:os";
import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { startKinesalite } from "../dev/kinesalite.js";
import { dynamoDbClient, kinesisClient } from "../services/config/aws-clients.js";
import { DynamoDbLeaseStore } from "../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import { kinesisDynamoDbChange } from "../services/streams/retrieval/kinesis-dynamodb-record.js";
import { KinesisStreamClient } from "../services/streams/retrieval/kinesis-stream-client.js";
import { leasesTable } from "../services/tables/definitions.js";
import { ensureTables } from "../services/tables/provision.js";
import { createKinesisStream } from "../test/support/kinesis.js";
import { benchArgs } from "./support/args.js";
import { writeDocSection } from "./support/doc-section.js";
import { drain, interleaved } from "./support/drain.js";
import { benchInfrastructure } from "./support/infrastructure.js";
import { type BenchRow, emitResult } from "./support/result.js";
import { throughput } from "./support/stats.js";
import "./support/cleanup.js";

const args = benchArgs();
const { quick, write } = args;
const shards = 8;
const events = quick ? 4_000 : 20_000;
const workerCounts = [1, 2, 4];
/** Runs per worker count, interleaved across the counts (support/drain.ts: interleaved). */
const repeats = quick ? 1 : 3;
// Balanced within a take interval or two: 8 shards over n workers.
const balanced = { maxLeasesToStealAtOnce: 4 };
const heading = "## Stream consumer on Kinesis";

const main = async () => {
  const startedAt = new Date();
  const infra = await benchInfrastructure("none");
  const kinesalite = await startKinesalite();
  let seconds: ReadonlyMap<number, readonly number[]> = new Map();
  try {
    const dynamo = dynamoDbClient({ endpoint: infra.dynamodbEndpoint });
    const kinesis = kinesisClient({ endpoint: kinesalite.endpoint });
    const client = new KinesisStreamClient(kinesis);
    const name = `bench-${Date.now()}`;
    const streamArn = await createKinesisStream(kinesis, name, shards);
    // The backlog: events of 2,000 items, partitioned by item over the 8 shards.
    for (let i = 0; i < events; i += 500)
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: name,
          Records: Array.from({ length: Math.min(500, events - i) }, (_, k) => {
            const key = `item-${(i + k) % 2_000}`;
            const data = kinesisDynamoDbChange({
              eventName: "INSERT",
              tableName: "journal",
              createdAt: new Date(),
              keys: { aggregateId: { S: key }, sequenceNumber: { N: String(i + k) } },
            });
            return { PartitionKey: key, Data: new TextEncoder().encode(JSON.stringify(data)) };
          }),
        }),
      );
    // A fresh lease table per run: every run reads the whole stream from TRIM_HORIZON. One
    // unrecorded drain first: the first pass through a fresh emulator runs at half speed.
    const warmUp = await ensureTables(dynamo, `bench-kw-${Date.now()}-`, [leasesTable]);
    const leases = new DynamoDbLeaseStore(dynamo, warmUp.leases ?? "");
    await drain({ workers: 1, total: events, streamArn, client, leases, config: balanced });
    seconds = await interleaved({
      label: "kinesis",
      events,
      workerCounts,
      repeats,
      once: async (n, r) => {
        const leaseNames = await ensureTables(dynamo, `bench-k${n}-${r}-${Date.now()}-`, [
          leasesTable,
        ]);
        return drain({
          workers: n,
          total: events,
          streamArn,
          client,
          leases: new DynamoDbLeaseStore(dynamo, leaseNames.leases ?? ""),
          config: balanced,
        });
      },
    });
  } finally {
    await kinesalite.stop();
    await infra.stop();
  }

  const throughputOf = (n: number) => throughput(events, seconds.get(n) ?? []);
  const base = throughputOf(1).perSecond;
  const section = [
    heading,
    "",
    `Command: \`npx tsx bench/stream-consumer-kinesis.bench.ts${quick ? " --quick" : ""}\` (${startedAt.toISOString()}, ${cpus().length} cores, Node ${process.version}, kinesalite 3.3.3 in its own process, lease table on DynamoDB Local).`,
    `A backlog of ${events} records (Kinesis Data Streams for DynamoDB JSON) is written to an ${shards}-shard stream; then 1, 2 or 4 workers (in one process, production defaults: batch 1000, idle poll 250 ms, failover 10 s) start at once with a fresh lease table and drain it with a handler that only counts (decoding included). Events/s = backlog ÷ time from start to the last record handled (lease taking and a checkpoint per batch included).`,
    "",
    `After one unrecorded warm-up drain, each row: ${repeats} run(s), interleaved across worker counts; the median, the range, and the median relative to 1 worker, measured in the same run.`,
    "",
    "| Workers | Events | Seconds (median) | Events/s (median) | Events/s (range) | vs 1 worker |",
    "|---:|---:|---:|---:|---|---:|",
    ...workerCounts.map((n) => {
      const t = throughputOf(n);
      return `| ${n} | ${events} | ${t.seconds.toFixed(2)} | ${t.perSecond.toFixed(0)} | ${t.minPerSecond.toFixed(0)}–${t.maxPerSecond.toFixed(0)} | ${(t.perSecond / base).toFixed(2)}× |`;
    }),
    "",
    "Reading: it does not scale here, and should not be expected to: one worker already reads all 8 shards concurrently (one reader loop per held lease), extra workers in the same process add no CPU but add lease traffic (takes, steals, renewals), and the single-process emulator on 2 cores, which every worker shares, sets the ceiling. On AWS each shard serves 2 MB/s and 5 GetRecords calls/s to its readers, and workers on separate tasks add CPU: throughput grows with workers until every shard has its own reader, and more workers than shards only stand by for fail-over.",
    "",
  ].join("\n");
  console.log(section);
  if (write) {
    writeDocSection(heading, section);
  }
  const rows: BenchRow[] = workerCounts.map((n) => ({
    figure: `stream consumer events/s on Kinesis (kinesalite, ${shards} shards), ${n} worker(s)`,
    value: Math.round(throughputOf(n).perSecond),
    unit: "events/s",
  }));
  emitResult({ bench: "stream-consumer-kinesis", quick, rows });
};

await main();
process.exit(0);
