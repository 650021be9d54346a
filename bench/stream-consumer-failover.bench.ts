/**
 * Stream consumer fail-over: how long after the holder of the shard is SIGKILLed another worker
 * handles the shard's next record, and how long after a SIGTERM another worker takes the
 * released lease and handles the next record. Two worker processes on DynamoDB Local's stream
 * (the chaos test's settings: failover 2 s, renew 0.6 s, take 0.4 s), records written every
 * 100 ms; each victim is restarted before the next round. Writes the "## Stream consumer
 * fail-over" section of docs/benchmarks.md (the tests assert correctness only, never these times).
 * `npx tsx bench/stream-consumer-failover.bench.ts [--quick] [--no-write] [--rounds=N]`
 */
import { rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { dynamoDbClient } from "../services/config/aws-clients.js";
import { DynamoDbLeaseStore } from "../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import { isFinished } from "../services/streams/leases/lease.js";
import { journalTable, leasesTable } from "../services/tables/definitions.js";
import { ensureTables, streamArnOf } from "../services/tables/provision.js";
import { chaosTimings } from "../test/streams-sim/chaos-timings.js";
import { writeVersion } from "../test/streams-sim/journal-writer.js";
import {
  exited,
  handledOf,
  type LogLine,
  readLog,
  spawnWorker,
} from "../test/streams-sim/worker-processes.js";
import { eventually } from "../test/support/eventually.js";
import { benchArgs } from "./support/args.js";
import { writeDocSection } from "./support/doc-section.js";
import { sleep } from "./support/http.js";
import { benchInfrastructure } from "./support/infrastructure.js";
import { type BenchRow, emitResult } from "./support/result.js";
import { type Summary, summarize } from "./support/stats.js";
import "./support/cleanup.js";

const args = benchArgs();
const { quick, write } = args;
const rounds = Number(args.option("rounds") ?? (quick ? 3 : 20));
const config = chaosTimings;
const killBoundMs = config.failoverMs + config.takeIntervalMs;
const termBoundMs = config.renewIntervalMs;
const keys = Array.from({ length: 5 }, (_, i) => `item-${i}`);

/** Polls until `found` returns something (bench code: a real clock is what is measured). */
const until = <T>(found: () => Promise<T | undefined> | T | undefined, what: string) =>
  eventually(async () => found(), { timeoutMs: 60_000, intervalMs: 20, what });

interface Round {
  readonly kind: "SIGKILL" | "SIGTERM";
  /** Signal → first record handled by another worker. */
  readonly resumeMs: number;
  /** Signal → the lease taken by another worker. */
  readonly takenMs: number;
}

const main = async () => {
  const startedAt = new Date();
  const infra = await benchInfrastructure("none");
  const logFile = join(tmpdir(), `failover-bench-${process.pid}.log`);
  const slots: Array<Awaited<ReturnType<typeof spawnWorker>> & { workerName: string }> = [];
  const results: Round[] = [];
  let writing = true;
  let writer: Promise<void> = Promise.resolve();
  try {
    const aws = { endpoint: infra.dynamodbEndpoint, region: "us-east-1" };
    const dynamo = dynamoDbClient(aws);
    const names = await ensureTables(dynamo, `bench-fo-${Date.now()}-`, [
      journalTable,
      leasesTable,
    ]);
    const journal = names.journal ?? "";
    const streamArn = await streamArnOf(dynamo, journal);
    const store = new DynamoDbLeaseStore(dynamo, names.leases ?? "");
    let generation = 0;
    const start = async (slot: number) => {
      const name = `w${slot}-${++generation}`;
      const child = await spawnWorker({
        name,
        endpoint: infra.dynamodbEndpoint,
        leasesTable: names.leases ?? "",
        streamArn,
        logFile,
        config,
      });
      slots[slot] = Object.assign(child, { workerName: name });
      await until(
        () =>
          readLog(logFile).some((l) => l.kind === "R" && l.worker === name) ? true : undefined,
        `${name} to start`,
      );
    };
    await start(0);
    await start(1);
    let version = 0;
    writer = (async () => {
      while (writing) {
        await writeVersion(dynamo, journal, keys, ++version);
        await sleep(100);
      }
    })();

    const holder = async () => {
      const lease = (await store.list()).find((l) => !isFinished(l) && l.leaseOwner);
      const slot = slots.findIndex((c) => c.workerName === lease?.leaseOwner);
      return slot >= 0 ? slot : undefined;
    };
    const firstAfter = (log: readonly LogLine[], at: number, victim: string) => ({
      handled: handledOf(log).find((h) => h.at > at && h.by !== victim)?.at,
      taken: log.find((l) => l.kind === "T" && l.at >= at && l.worker !== victim)?.at,
    });

    for (const kind of ["SIGKILL", "SIGTERM"] as const)
      for (let r = 0; r < rounds; r++) {
        // The holder must be reading before it is stopped.
        const slot = await until(async () => {
          const s = await holder();
          const name = s === undefined ? undefined : slots[s]?.workerName;
          const reading = handledOf(readLog(logFile)).some(
            (h) => h.by === name && h.at > Date.now() - 500,
          );
          return reading ? s : undefined;
        }, "a holder that is reading");
        const victim = slots[slot];
        if (!victim) throw new Error("no worker in the holder's slot");
        const at = Date.now();
        victim.kill(kind);
        const after = await until(() => {
          const f = firstAfter(readLog(logFile), at, victim.workerName);
          return f.handled !== undefined && f.taken !== undefined ? f : undefined;
        }, `another worker to resume after ${kind}`);
        results.push({
          kind,
          resumeMs: (after.handled ?? at) - at,
          takenMs: (after.taken ?? at) - at,
        });
        console.log(
          `${kind} ${r + 1}/${rounds}: taken after ${after.taken ? after.taken - at : "?"} ms, next record after ${after.handled ? after.handled - at : "?"} ms`,
        );
        await exited(victim);
        await start(slot);
      }
  } finally {
    writing = false;
    await writer.catch(() => {});
    for (const c of slots) c.kill("SIGKILL");
    await Promise.all(slots.map(exited));
    await infra.stop();
    rmSync(logFile, { force: true });
  }

  const of = (kind: Round["kind"], pick: (r: Round) => number): Summary =>
    summarize(results.filter((r) => r.kind === kind).map(pick));
  const kill = of("SIGKILL", (r) => r.resumeMs);
  const killTaken = of("SIGKILL", (r) => r.takenMs);
  const term = of("SIGTERM", (r) => r.takenMs);
  const termResume = of("SIGTERM", (r) => r.resumeMs);
  const within = (kind: Round["kind"], pick: (r: Round) => number, bound: number) =>
    results.filter((r) => r.kind === kind && pick(r) <= bound).length;
  const row = (what: string, s: Summary, bound: number, inBound: number) =>
    `| ${what} | ${s.n} | ${s.p50} | ${s.p99} | ${s.max} | ${bound} | ${inBound}/${s.n} |`;
  const section = [
    "## Stream consumer fail-over",
    "",
    `Command: \`npx tsx bench/stream-consumer-failover.bench.ts${quick ? " --quick" : ""}\` (${startedAt.toISOString()}, ${cpus().length} cores, Node ${process.version}, ${infra.description}).`,
    `Two worker processes on DynamoDB Local's stream, failover ${config.failoverMs} ms, renew ${config.renewIntervalMs} ms, take ${config.takeIntervalMs} ms, idle poll ${config.idlePollMs} ms; 5 records written every 100 ms. The worker holding the shard is stopped ${rounds} times with each signal (each victim restarted before the next round). Times from the signal, by the wall clock of this machine (load from the other processes included).`,
    "",
    "| Measured (ms) | Rounds | p50 | p99 | max | Bound | Within bound |",
    "|---|---:|---:|---:|---:|---:|---:|",
    row(
      "SIGKILL → next record handled by another worker",
      kill,
      killBoundMs,
      within("SIGKILL", (r) => r.resumeMs, killBoundMs),
    ),
    row(
      "SIGKILL → lease taken by another worker",
      killTaken,
      killBoundMs,
      within("SIGKILL", (r) => r.takenMs, killBoundMs),
    ),
    row(
      "SIGTERM → released lease taken by another worker",
      term,
      termBoundMs,
      within("SIGTERM", (r) => r.takenMs, termBoundMs),
    ),
    row(
      "SIGTERM → next record handled by another worker",
      termResume,
      termBoundMs + config.idlePollMs,
      within("SIGTERM", (r) => r.resumeMs, termBoundMs + config.idlePollMs),
    ),
    "",
    `Bounds: after a SIGKILL nothing is released, so the lease must first expire: failover + one take interval (${killBoundMs} ms; the next scan is timed to the expiry). After a SIGTERM the lease is released, so it is taken at the other worker's next scan: within one renew interval (${termBoundMs} ms), plus an idle poll for the next record. The integration tests (\`streams-chaos\`, \`streams-sigterm\`) assert only correctness: every event handled, per-item order, processing resumes, the lease released.`,
    "",
  ].join("\n");
  console.log(section);
  if (write) {
    writeDocSection("## Stream consumer fail-over", section);
  }
  const rows: BenchRow[] = [
    { figure: "SIGKILL → resume p50", value: kill.p50, unit: "ms", goal: `≤ ${killBoundMs}` },
    { figure: "SIGKILL → resume p99", value: kill.p99, unit: "ms" },
    { figure: "SIGKILL → resume max", value: kill.max, unit: "ms" },
    { figure: "SIGTERM → lease taken p50", value: term.p50, unit: "ms", goal: `≤ ${termBoundMs}` },
    { figure: "SIGTERM → lease taken p99", value: term.p99, unit: "ms" },
    { figure: "SIGTERM → lease taken max", value: term.max, unit: "ms" },
  ];
  emitResult({ bench: "stream-consumer-failover", quick, rows });
};

await main();
process.exit(0);
