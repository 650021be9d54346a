/**
 * Stream consumer throughput: events/s drained by 1, 2 and 3 workers with a trivial handler,
 * (a) on DynamoDB Local's real stream (one shard: the emulator never splits) and (b) on the
 * simulated stream with 8 shards and a 10 ms GetRecords round trip, the lease table on DynamoDB
 * Local in both. Writes the "## Stream consumer" section of docs/benchmarks.md.
 * `npx tsx bench/stream-consumer.bench.ts [--quick] [--no-write]`
 */
import { cpus } from "node:os";
import { systemClock } from "../services/clock/clock.js";
import { dynamoDbClient, dynamoDbStreamsClient } from "../services/config/aws-clients.js";
import { DynamoDbLeaseStore } from "../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import { DynamoDbStreamClient } from "../services/streams/retrieval/dynamodb-stream-client.js";
import type { StreamClient } from "../services/streams/retrieval/stream-client.js";
import { journalTable, leasesTable } from "../services/tables/definitions.js";
import { ensureTables, streamArnOf } from "../services/tables/provision.js";
import { writeVersion } from "../test/streams-sim/journal-writer.js";
import { SimulatedStream } from "../test/streams-sim/simulated-stream.js";
import { benchArgs } from "./support/args.js";
import { writeDocSection } from "./support/doc-section.js";
import { drain, interleaved } from "./support/drain.js";
import { benchInfrastructure } from "./support/infrastructure.js";
import { type BenchRow, emitResult } from "./support/result.js";
import { throughput } from "./support/stats.js";
import "./support/cleanup.js";

const args = benchArgs();
const { quick, write } = args;
const real = { keys: 200, versions: quick ? 10 : 100 };
const sim = { shards: 8, perShard: quick ? 2_000 : 25_000, latencyMs: 10 };
const workerCounts = [1, 2, 3];
/** Runs per worker count, interleaved across the counts (support/drain.ts: interleaved). */
const repeats = quick ? 1 : 3;

interface Run {
  readonly scenario: string;
  readonly workers: number;
  readonly events: number;
  /** One duration per repeat. */
  readonly seconds: readonly number[];
}

/** Measures every worker count `repeats` times, interleaved. */
const measure = async (
  scenario: string,
  events: number,
  once: (workers: number, repeat: number) => Promise<number>,
): Promise<Run[]> => {
  const seconds = await interleaved({ label: scenario, events, workerCounts, repeats, once });
  return workerCounts.map((n) => ({ scenario, workers: n, events, seconds: seconds.get(n) ?? [] }));
};

const delayed = (c: StreamClient, ms: number): StreamClient => {
  const wait = () => new Promise((r) => setTimeout(r, ms));
  return {
    listShards: (arn) => wait().then(() => c.listShards(arn)),
    getShardIterator: (arn, s, p) => wait().then(() => c.getShardIterator(arn, s, p)),
    getRecords: (it, limit) => wait().then(() => c.getRecords(it, limit)),
  };
};

const main = async () => {
  const startedAt = new Date();
  const infra = await benchInfrastructure("none");
  const runs: Run[] = [];
  try {
    const aws = { endpoint: infra.dynamodbEndpoint, region: "us-east-1" };
    const dynamo = dynamoDbClient(aws);
    const streams = new DynamoDbStreamClient(dynamoDbStreamsClient(aws));
    const names = await ensureTables(dynamo, `bench-sc-${Date.now()}-`, [journalTable]);
    const journal = names.journal ?? "";
    const keys = Array.from({ length: real.keys }, (_, i) => `item-${i}`);
    for (let v = 1; v <= real.versions; v++) await writeVersion(dynamo, journal, keys, v);
    const realTotal = real.keys * real.versions;
    const streamArn = await streamArnOf(dynamo, journal);

    // A fresh lease table per run: every run reads the whole stream from TRIM_HORIZON.
    runs.push(
      ...(await measure("DynamoDB Local stream (1 shard)", realTotal, async (n, r) => {
        const prefix = `bench-sc-l${n}-${r}-${Date.now()}-`;
        const leaseNames = await ensureTables(dynamo, prefix, [leasesTable]);
        const leases = new DynamoDbLeaseStore(dynamo, leaseNames.leases ?? "");
        return drain({ workers: n, total: realTotal, streamArn, client: streams, leases });
      })),
    );

    const simTotal = sim.shards * sim.perShard;
    const simName = `simulated stream (${sim.shards} shards, ${sim.latencyMs} ms per call)`;
    runs.push(
      ...(await measure(simName, simTotal, async (n, r) => {
        const stream = new SimulatedStream(`arn:sim:bench/${n}/${r}`, sim.shards, {
          clock: systemClock,
        });
        for (let i = 0; i < simTotal; i++)
          stream.put(`item-${i % 5_000}`, Math.floor(i / 5_000) + 1);
        const prefix = `bench-sc-s${n}-${r}-${Date.now()}-`;
        const leaseNames = await ensureTables(dynamo, prefix, [leasesTable]);
        const leases = new DynamoDbLeaseStore(dynamo, leaseNames.leases ?? "");
        return drain({
          workers: n,
          total: simTotal,
          streamArn: stream.streamArn,
          client: delayed(stream, sim.latencyMs),
          leases,
        });
      })),
    );
  } finally {
    await infra.stop();
  }

  const section = [
    "## Stream consumer",
    "",
    `Command: \`npx tsx bench/stream-consumer.bench.ts${quick ? " --quick" : ""}\` (${startedAt.toISOString()}, ${cpus().length} cores, Node ${process.version}, ${infra.description}).`,
    "A backlog is written first; then 1, 2 or 3 workers (in one process, production defaults: batch 1000, idle poll 250 ms, failover 10 s) start at once with a fresh lease table and drain it with a handler that only counts. Events/s = backlog ÷ time from start to the last record handled (includes lease taking and a checkpoint per batch).",
    "",
    `Each row: ${repeats} run(s), interleaved across worker counts; the median, and the range of the runs.`,
    "",
    "| Stream | Workers | Events | Seconds (median) | Events/s (median) | Events/s (range) |",
    "|---|---:|---:|---:|---:|---|",
    ...runs.map((r) => {
      const t = throughput(r.events, r.seconds);
      return `| ${r.scenario} | ${r.workers} | ${r.events} | ${t.seconds.toFixed(2)} | ${t.perSecond.toFixed(0)} | ${t.minPerSecond.toFixed(0)}–${t.maxPerSecond.toFixed(0)} |`;
    }),
    "",
    "Reading: a shard is read by one worker at a time (that is what the lease guarantees), so on DynamoDB Local's single shard extra workers are standbys and add no throughput. With several shards, one worker already reads all its shards concurrently; more workers help once one process's CPU or network is the limit (not the case with a counting handler), and they give fail-over.",
    "",
  ].join("\n");
  console.log(section);
  if (write) {
    writeDocSection("## Stream consumer", section);
  }
  const rows: BenchRow[] = runs.map((r) => ({
    figure: `stream consumer events/s, ${r.workers} worker(s), ${r.scenario}`,
    value: Math.round(throughput(r.events, r.seconds).perSecond),
    unit: "events/s",
  }));
  emitResult({ bench: "stream-consumer", quick, rows });
};

await main();
process.exit(0);
