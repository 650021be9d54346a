// Figure 3: end-to-end lag, from a command's 2xx to the change being visible through the query
// API, at a steady command rate with production-default polling; figure 7: peak RSS of each
// service during that run. All three deployables run as their own processes (their main.ts).
// When the target rate cannot be carried, a second phase at 70% of what was achieved shows the
// lag below saturation.
// Run alone: npx tsx bench/e2e-lag.bench.ts [--quick] [--rate=200] [--seconds=30]
//   [--count-requests] [--cpu-prof=command-api|query-api|stream-consumer]
import { join } from "node:path";
import { dynamoDbClient } from "../services/config/aws-clients.js";
import { journalTable } from "../services/tables/definitions.js";
import { ensureTables } from "../services/tables/provision.js";
import { benchArgs } from "./support/args.js";
import { transactWriteCeiling } from "./support/emulator-ceiling.js";
import { postJson, sleep } from "./support/http.js";
import { cpuSeconds, mib, resetPeakRss } from "./support/memory.js";
import {
  analyseLag,
  describePhase,
  type LagAnalysis,
  type Phase,
  runOpenLoop,
} from "./support/open-loop.js";
import { repoRoot } from "./support/paths.js";
import { type BenchRow, emitResult } from "./support/result.js";
import { type DeployableName, serviceNames } from "./support/services.js";
import { startStack } from "./support/stack.js";
import { round } from "./support/stats.js";

const args = benchArgs();
const rate = Number(args.option("rate") ?? (args.quick ? 50 : 200));
const seconds = Number(args.option("seconds") ?? (args.quick ? 5 : 30));
const warmupSeconds = args.quick ? 1 : 3;
// Not every command's lag is observed: polling each one would load the query API (and the
// Postgres the projector writes to) more than the commands do.
const trackEvery = Number(args.option("track-every") ?? 4);
const pollMs = Number(args.option("poll-ms") ?? 10);
const maxInFlight = 256;
const visibleTimeoutMs = 30_000;
const profiled = args.option("cpu-prof") as DeployableName | undefined;
const countRequests = args.flag("count-requests");
// The path a command takes to a query: the publisher (SNS) is not on it.
const services: readonly DeployableName[] = serviceNames.filter(
  (name) => name !== "integration-publisher",
);

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

const commandUrl = `${stack.service("command-api").baseUrl}/commands/items`;
const queryBase = `${stack.service("query-api").baseUrl}/queries/items`;

const awaitVisible = async (itemId: string, version: number, since: number) => {
  const deadline = since + visibleTimeoutMs;
  while (performance.now() < deadline) {
    const r = await fetch(`${queryBase}/${itemId}`, { headers: stack.auth });
    const body = (await r.json().catch(() => undefined)) as { version?: number } | undefined;
    if (r.status === 200 && (body?.version ?? 0) >= version) return performance.now() - since;
    // 10 ms, or 10% of the lag so far when that is more: resolution stays relative to the lag
    // and a backlog does not turn the observer into the largest load on the query side.
    await sleep(Math.min(250, Math.max(pollMs, (performance.now() - since) / 10)));
  }
  return undefined;
};

const send = async (i: number) => {
  const res = await postJson(
    commandUrl,
    { name: `bench item ${i}`, price: 100 + (i % 9000) },
    stack.auth,
  );
  if (res.status !== 201 && res.status !== 200) return undefined;
  if (i % trackEvery !== 0) return { ms: res.ms };
  const { itemId, version } = res.body as { itemId: string; version: number };
  return { ms: res.ms, lag: awaitVisible(itemId, version, performance.now()) };
};

const phase = (r: number, s: number) => runOpenLoop({ rate: r, seconds: s, maxInFlight, send });

/** The emulator's own ceiling, on a table nothing consumes: no command rate can exceed it. */
const measureCeiling = async () => {
  const admin = dynamoDbClient({ endpoint: stack.infra.dynamodbEndpoint, region: "us-east-1" });
  const names = await ensureTables(admin, `ceiling${Date.now()}-`, [journalTable]);
  admin.destroy();
  const o = {
    endpoint: stack.infra.dynamodbEndpoint,
    journalTable: names[journalTable.logicalName] ?? "",
    concurrency: 8,
  };
  await transactWriteCeiling({ ...o, seconds: 2 }); // JIT warm-up of a fresh JVM
  return transactWriteCeiling({ ...o, seconds: args.quick ? 2 : 4 });
};

const lagRows = (label: string, p: Phase, a: LagAnalysis, withGoals: boolean): BenchRow[] => [
  {
    figure: `3. end-to-end lag p50${label}`,
    value: round(a.lag.p50),
    unit: "ms",
    ...(withGoals ? { goal: "≤ 150" } : {}),
    note: `${round(p.achieved)} of ${p.rate} commands/s for ${p.seconds} s; n=${a.lag.n}`,
  },
  {
    figure: `3. end-to-end lag p99${label}`,
    value: round(a.lag.p99),
    unit: "ms",
    ...(withGoals ? { goal: "≤ 500" } : {}),
    note: `max ${round(a.lag.max)} ms, stddev ${round(a.lag.stddev)}; ${a.invisible} never visible`,
  },
  {
    figure: `3. lag growth, p50 last third / first third${label}`,
    value: round(a.growth),
    unit: "×",
    ...(withGoals ? { goal: "does not grow", met: !a.grows && a.invisible === 0 } : {}),
    note: `thirds ${a.thirds.map((t) => round(t.p50)).join(" / ")} ms; slope ${round(a.trendMsPerS)} ms/s`,
  },
  {
    figure: `3. command latency p50 under that load${label}`,
    value: round(a.command.p50),
    unit: "ms",
    note: `p99 ${round(a.command.p99)} ms; ${p.failed} failed, ${p.skipped} not sent (${maxInFlight} in flight)`,
  },
];

try {
  console.log(
    `e2e lag: ${rate} commands/s for ${seconds} s (after ${warmupSeconds} s warm-up), lag of every ${trackEvery}th command`,
  );
  const ceiling = await measureCeiling();
  console.log(`  DynamoDB ceiling: ${round(ceiling)} one-Put TransactWriteItems/s at 8 concurrent`);
  await phase(rate, warmupSeconds);

  // CPU used by every process of the stack during the measured phase: where the machine goes.
  const pids: Record<string, number> = {
    ...Object.fromEntries(services.map((n) => [n, stack.service(n).pid])),
    ...stack.infra.pids,
    "load generator": process.pid,
  };
  // Peak RSS per phase: the mark is reset so start-up (tsx compiling) does not count.
  const peaks = () =>
    services.map((name) => ({ name, bytes: stack.service(name).rss.peakBytes() }));
  const resetPeaks = () => services.every((n) => resetPeakRss(stack.service(n).pid));
  const peaksReset = resetPeaks();
  const cpuBefore = Object.entries(pids).map(([n, pid]) => ({ n, pid, s: cpuSeconds(pid) ?? 0 }));
  const main = await phase(rate, seconds);
  const cpu = cpuBefore
    .map((b) => ({ name: b.n, s: (cpuSeconds(b.pid) ?? 0) - b.s }))
    .sort((a, b) => b.s - a.s);
  const cpuNote = cpu.map((c) => `${c.name} ${round(c.s)} s`).join(", ");
  const mainPeaks = peaks();
  const mainLag = analyseLag(main);
  for (const line of describePhase(main, mainLag)) console.log(line);
  console.log(`  CPU during the measured ${seconds} s: ${cpuNote}`);
  if (countRequests) {
    const commands = Math.round((seconds + warmupSeconds) * rate);
    for (const name of services) {
      const counts = Object.entries(stack.requestCounts(name) ?? {});
      console.log(
        `  DynamoDB requests of ${name} per command (incl. start-up): ${counts.map(([op, n]) => `${op} ${round(n / commands)}`).join(", ")}`,
      );
    }
  }

  const rows: BenchRow[] = lagRows("", main, mainLag, true);
  let belowPeaks: ReturnType<typeof peaks> = [];
  let belowRate = 0;
  if (main.achieved < 0.9 * rate) {
    const below = Math.max(1, Math.floor(0.7 * main.achieved));
    console.log(`  ${rate}/s is not sustainable here; again at ${below}/s`);
    await sleep(2000); // let the backlog of the first phase drain from the consumer
    resetPeaks();
    const second = await phase(below, seconds);
    belowPeaks = peaks();
    belowRate = below;
    const secondLag = analyseLag(second);
    for (const line of describePhase(second, secondLag)) console.log(line);
    rows.push(...lagRows(` (at ${below}/s, below saturation)`, second, secondLag, false));
  }

  const show = (b: number | undefined) => (b === undefined ? "n/a" : `${round(mib(b))} MiB`);
  for (const r of mainPeaks) console.log(`  peak RSS ${r.name} at ${rate}/s: ${show(r.bytes)}`);
  for (const r of belowPeaks)
    console.log(`  peak RSS ${r.name} at ${belowRate}/s: ${show(r.bytes)}`);
  await stack.stop();
  const scope = peaksReset ? "during the measured phase" : "since start (peak reset unavailable)";
  /** One row per service: its peak RSS at `atRate`. */
  const peakRows = (
    list: ReturnType<typeof peaks>,
    atRate: number,
    more: Pick<BenchRow, "goal" | "note">,
  ) =>
    list.map(
      (r): BenchRow => ({
        figure: `7. peak RSS ${r.name} at ${atRate}/s`,
        value: r.bytes === undefined ? null : round(mib(r.bytes)),
        unit: "MiB",
        ...more,
      }),
    );

  rows.push(
    {
      figure: "3. context: DynamoDB Local ceiling, 1-Put TransactWriteItems/s",
      value: round(ceiling),
      unit: "/s",
      note: "8 concurrent writers, no services involved: no command rate can exceed it here",
    },
    {
      figure: `3. CPU seconds used by the stack during the ${seconds} s at ${rate}/s`,
      value: round(cpu.reduce((a, c) => a + c.s, 0)),
      unit: "s",
      note: cpuNote,
    },
    ...peakRows(mainPeaks, rate, {
      goal: "≤ 150",
      note: `VmHWM ${scope}, compiled as in the image, with its NODE_OPTIONS`,
    }),
    ...peakRows(belowPeaks, belowRate, { note: "below saturation" }),
  );
  emitResult({ bench: "e2e-lag", quick: args.quick, rows });
} catch (e) {
  stack.fail(e);
} finally {
  await stack.stop();
}
