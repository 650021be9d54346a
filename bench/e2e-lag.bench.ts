// Figure 3: end-to-end lag, from a command's 2xx to the change being visible through the query
// API, at a steady command rate with production-default polling; figure 7: peak RSS of each
// service during that run. All three deployables run as their own processes (their main.ts).
// Run alone: npx tsx bench/e2e-lag.bench.ts [--quick] [--rate=200] [--seconds=30] [--count-requests]
//            [--cpu-prof=command-api|query-api|stream-consumer]
import { join } from "node:path";
import { dynamoDbClient } from "../services/aws/clients.js";
import { journalTable } from "../services/tables/definitions.js";
import { ensureTables } from "../services/tables/provision.js";
import { benchArgs } from "./support/args.js";
import { transactWriteCeiling } from "./support/emulator-ceiling.js";
import { postJson, sleep } from "./support/http.js";
import { cpuSeconds, mib } from "./support/memory.js";
import { repoRoot } from "./support/paths.js";
import { type BenchRow, emitResult } from "./support/result.js";
import type { DeployableName } from "./support/services.js";
import { startStack } from "./support/stack.js";
import { round, slices, slope, summarize } from "./support/stats.js";

const args = benchArgs();
const rate = Number(args.option("rate") ?? (args.quick ? 50 : 200));
const seconds = Number(args.option("seconds") ?? (args.quick ? 5 : 30));
const warmupSeconds = args.quick ? 1 : 3;
// Every command's lag is not observed: polling each one would load the query API (and the
// Postgres the projector writes to) more than the commands do.
const trackEvery = Number(args.option("track-every") ?? 4);
const pollMs = Number(args.option("poll-ms") ?? 10);
const maxInFlight = 256;
const visibleTimeoutMs = 30_000;
const profiled = args.option("cpu-prof") as DeployableName | undefined;
const services: DeployableName[] = ["command-api", "query-api", "stream-consumer"];

const countRequests = args.flag("count-requests");
const stack = await startStack({
  services,
  countDynamoDbRequests: countRequests,
  ...(profiled
    ? {
        nodeArgs: {
          [profiled]: ["--cpu-prof", `--cpu-prof-dir=${join(repoRoot, ".cache", "profiles")}`],
        },
      }
    : {}),
  log: (l) => console.log(l),
});

interface Sample {
  readonly sentAt: number;
  readonly commandMs: number;
  readonly lagMs: number | undefined;
}

const commandUrl = `${stack.service("command-api").baseUrl}/commands/items`;
const queryBase = `${stack.service("query-api").baseUrl}/queries/items`;

const awaitVisible = async (itemId: string, version: number, since: number) => {
  const deadline = since + visibleTimeoutMs;
  while (performance.now() < deadline) {
    const r = await fetch(`${queryBase}/${itemId}`);
    const body = (await r.json().catch(() => undefined)) as { version?: number } | undefined;
    if (r.status === 200 && (body?.version ?? 0) >= version) return performance.now() - since;
    // 10 ms, or 10% of the lag so far when that is more: resolution stays relative to the lag
    // and a backlog does not turn the observer into the largest load on the query side.
    await sleep(Math.min(250, Math.max(pollMs, (performance.now() - since) / 10)));
  }
  return undefined;
};

const runPhase = async (durationS: number, record: boolean) => {
  const samples: Promise<Sample | undefined>[] = [];
  const commandMs: number[] = [];
  let failed = 0;
  let skipped = 0;
  let inFlight = 0;
  let sent = 0;
  const start = performance.now();
  const total = Math.round(durationS * rate);
  const fire = (i: number) => {
    inFlight += 1;
    const sentAt = performance.now();
    const sample = postJson(commandUrl, { name: `bench item ${i}`, price: 100 + (i % 9000) })
      .then(async (res): Promise<Sample | undefined> => {
        inFlight -= 1;
        if (res.status !== 201 && res.status !== 200) {
          failed += 1;
          return undefined;
        }
        commandMs.push(res.ms);
        if (i % trackEvery !== 0) return undefined;
        const { itemId, version } = res.body as { itemId: string; version: number };
        const lagMs = await awaitVisible(itemId, version, performance.now());
        return { sentAt: sentAt - start, commandMs: res.ms, lagMs };
      })
      .catch(() => {
        inFlight -= 1;
        failed += 1;
        return undefined;
      });
    if (record) samples.push(sample);
  };
  // Open loop: commands leave on schedule whether or not earlier ones have answered.
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    for (; sent < due; sent++) {
      if (inFlight >= maxInFlight) skipped += 1;
      else fire(sent);
    }
    await sleep(2);
  }
  const elapsedS = (performance.now() - start) / 1000;
  const done = (await Promise.all(samples)).filter((s): s is Sample => s !== undefined);
  return { done, commandMs, failed, skipped, achieved: (total - skipped - failed) / elapsedS };
};

try {
  console.log(
    `e2e lag: ${rate} commands/s for ${seconds} s (after ${warmupSeconds} s warm-up), lag of every ${trackEvery}th command, polled every ${pollMs} ms`,
  );
  // The emulator's own ceiling, on a table of its own (nothing consumes it): no command rate
  // through this DynamoDB can exceed it, whatever the services do.
  const admin = dynamoDbClient({ endpoint: stack.infra.dynamoDbEndpoint, region: "us-east-1" });
  const ceilingTable = (await ensureTables(admin, `ceiling${Date.now()}-`, [journalTable]))[
    journalTable.logicalName
  ];
  admin.destroy();
  const ceilingOptions = {
    endpoint: stack.infra.dynamoDbEndpoint,
    journalTable: ceilingTable ?? "",
    concurrency: 8,
  };
  await transactWriteCeiling({ ...ceilingOptions, seconds: 2 }); // JIT warm-up of a fresh JVM
  const ceiling = await transactWriteCeiling({ ...ceilingOptions, seconds: args.quick ? 2 : 4 });
  console.log(`  DynamoDB ceiling: ${round(ceiling)} one-Put TransactWriteItems/s at 8 concurrent`);
  await runPhase(warmupSeconds, false);
  // CPU used by every process of the stack during the measured phase: where the machine goes.
  const cpuPids: Record<string, number> = {
    ...Object.fromEntries(services.map((n) => [n, stack.service(n).pid])),
    ...stack.infra.pids,
    "load generator": process.pid,
  };
  const cpuBefore = Object.fromEntries(
    Object.entries(cpuPids).map(([n, pid]) => [n, cpuSeconds(pid) ?? 0]),
  );
  const phase = await runPhase(seconds, true);
  const cpuUsed = Object.entries(cpuPids)
    .map(([n, pid]) => ({ name: n, s: (cpuSeconds(pid) ?? 0) - (cpuBefore[n] ?? 0) }))
    .sort((a, b) => b.s - a.s);
  const cpuNote = cpuUsed.map((c) => `${c.name} ${round(c.s)} s`).join(", ");
  const visible = phase.done.filter((s) => s.lagMs !== undefined);
  const lags = visible.map((s) => s.lagMs as number);
  const lag = summarize(lags);
  const thirds = slices(visible, 3).map((part) => summarize(part.map((s) => s.lagMs as number)));
  const first = thirds[0];
  const lastThird = thirds[2];
  const growth = first && lastThird ? lastThird.p50 / first.p50 : Number.NaN;
  const trend = slope(visible.map((s) => ({ x: s.sentAt / 1000, y: s.lagMs as number })));
  const grows = !(growth <= 1.5 || (lastThird?.p50 ?? 0) - (first?.p50 ?? 0) < 25);
  const cmd = summarize(phase.commandMs);
  const invisible = phase.done.length - visible.length;

  console.log(
    `  achieved ${round(phase.achieved)} commands/s; ${phase.failed} failed, ${phase.skipped} skipped (over ${maxInFlight} in flight)`,
  );
  console.log(
    `  command p50 ${round(cmd.p50)} ms p99 ${round(cmd.p99)} ms max ${round(cmd.max)} ms`,
  );
  console.log(
    `  lag n=${lag.n} p50 ${round(lag.p50)} ms p90 ${round(lag.p90)} p99 ${round(lag.p99)} max ${round(lag.max)} stddev ${round(lag.stddev)}; not visible within ${visibleTimeoutMs} ms: ${invisible}`,
  );
  console.log(`  CPU during the measured ${seconds} s: ${cpuNote}`);
  if (args.flag("timeline")) {
    for (const part of slices(phase.done, 10)) {
      const c = summarize(part.map((x) => x.commandMs));
      const l = summarize(part.flatMap((x) => (x.lagMs === undefined ? [] : [x.lagMs])));
      console.log(
        `  sent at ${round((part[0]?.sentAt ?? 0) / 1000)} s: command p50 ${round(c.p50)} ms, lag p50 ${round(l.p50)} ms`,
      );
    }
  }
  if (countRequests) {
    const commands = Math.round((seconds + warmupSeconds) * rate);
    for (const name of services) {
      const counts = Object.entries(stack.requestCounts(name) ?? {});
      console.log(
        `  DynamoDB requests of ${name} per command (incl. start-up): ${counts.map(([op, n]) => `${op} ${round(n / commands)}`).join(", ")}`,
      );
    }
  }
  console.log(
    `  lag p50 by third: ${thirds.map((t) => round(t.p50)).join(" / ")} ms; trend ${round(trend)} ms per s`,
  );

  const rss = services.map((name) => ({ name, bytes: stack.service(name).rss.peakBytes() }));
  for (const r of rss)
    console.log(`  peak RSS ${r.name}: ${r.bytes === undefined ? "n/a" : round(mib(r.bytes))} MiB`);
  await stack.stop();

  const rows: BenchRow[] = [
    {
      figure: "3. end-to-end lag p50",
      value: round(lag.p50),
      unit: "ms",
      goal: "≤ 150",
      note: `${round(phase.achieved)} commands/s for ${seconds} s; n=${lag.n}, polled every ${pollMs} ms or 10% of the lag`,
    },
    {
      figure: "3. end-to-end lag p99",
      value: round(lag.p99),
      unit: "ms",
      goal: "≤ 500",
      note: `max ${round(lag.max)} ms, stddev ${round(lag.stddev)}; ${invisible} never visible`,
    },
    {
      figure: "3. lag growth: p50 of last third / first third",
      value: round(growth),
      unit: "×",
      goal: "does not grow",
      met: !grows && invisible === 0,
      note: `thirds ${thirds.map((t) => round(t.p50)).join(" / ")} ms; slope ${round(trend)} ms/s`,
    },
    {
      figure: "3. command latency under that load, p50 / p99",
      value: round(cmd.p50),
      unit: "ms",
      note: `p99 ${round(cmd.p99)} ms; ${phase.failed} failed, ${phase.skipped} skipped`,
    },
    {
      figure: "3. context: DynamoDB Local ceiling, 1-Put TransactWriteItems/s",
      value: round(ceiling),
      unit: "/s",
      note: "8 concurrent writers, no services involved: no command rate can exceed it here",
    },
    {
      figure: "3. CPU seconds used during the run, all processes",
      value: round(cpuUsed.reduce((a, c) => a + c.s, 0)),
      unit: "s",
      note: `of ${seconds} s × cores available; ${cpuNote}`,
    },
    ...rss.map(
      (r): BenchRow => ({
        figure: `7. peak RSS ${r.name}`,
        value: r.bytes === undefined ? null : round(mib(r.bytes)),
        unit: "MiB",
        goal: "≤ 150",
        note: "VmHWM of `node --import tsx main.ts` (includes the tsx compiler)",
      }),
    ),
  ];
  emitResult({ bench: "e2e-lag", quick: args.quick, rows });
} catch (e) {
  console.error(stack.outputs());
  throw e;
} finally {
  await stack.stop();
}
