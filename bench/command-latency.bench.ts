// Figure 1: command latency and CPU over HTTP on a warm aggregate vs the same request sent raw
// (one conditional PutItem of the same item, what a single-event command writes) on the same
// DynamoDB Local, interleaved in blocks so drift hits both alike. A bare node:http server making
// the same PutItem (bench/support/bare-put-server.ts) is measured alongside: the floor of any
// HTTP service here, so the figure splits into what HTTP itself costs and what the service adds.
// Run alone: npx tsx bench/command-latency.bench.ts [--quick] [--cpu-prof] [--baseline=<git ref>]
// --baseline also runs the command API of that revision and measures its CPU in the same
// interleaved blocks: a before/after as a ratio of one run.
import { join } from "node:path";
import { v7 as uuidv7 } from "uuid";
import { answersOk, freePort, launch, waitUntilReady } from "../dev/child-process.js";
import { journalTable } from "../services/tables/definitions.js";
import { benchArgs } from "./support/args.js";
import { startCountingProxy } from "./support/counting-proxy.js";
import { postJson } from "./support/http.js";
import { lastJournalRow, rawPut } from "./support/journal-template.js";
import { threadCpuMs } from "./support/memory.js";
import { repoRoot } from "./support/paths.js";
import { emitResult } from "./support/result.js";
import { productionNodeOptions, startService } from "./support/services.js";
import { type Stack, startStack } from "./support/stack.js";
import { round, type Summary, summarize } from "./support/stats.js";

const args = benchArgs();
const perSide = args.quick ? 150 : 1_000;
const warmup = Number(args.option("warmup") ?? (args.quick ? 30 : 150));
const block = 25;
const profileDir = join(repoRoot, ".cache", "profiles");

const stack = await startStack({
  services: ["command-api"],
  ...(args.flag("cpu-prof")
    ? { nodeArgs: { "command-api": ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] } }
    : {}),
  log: (l) => console.log(l),
});
try {
  const api = stack.url("command-api");
  const journal = stack.tableName(journalTable.logicalName);
  const client = stack.dynamoDb();

  const { itemId, command: http } = await warmItem(api, stack.auth);
  const commandLabel = "receive-stock on one warm item";

  // The row of one receive-stock is the template: the raw write has exactly its size.
  await http();
  const template = await lastJournalRow(client, journal, itemId);
  const rawId = uuidv7();
  let rawSeq = 0;
  const raw = async () => {
    rawSeq += 1;
    const t0 = performance.now();
    await client.send(rawPut(journal, template, rawId, rawSeq));
    return performance.now() - t0;
  };
  // The floor of any request to the service: one HTTP exchange that does no work.
  const hop = async () => {
    const t0 = performance.now();
    const r = await fetch(`${api}/commands/healthz`);
    await r.text();
    return performance.now() - t0;
  };

  // Started now, so that they take as many calls as the command API before the CPU is
  // measured: a process that has served 150 requests instead of 1,150 still runs much of its code
  // unoptimised, and measured up to 1.5× the CPU of the same build warmed like the other.
  const bare = await startBarePutServer(stack, itemId);
  const bareCall = async () => {
    const r = await postJson(`${bare.url}/put`, { quantity: 1 });
    if (r.status !== 200) throw new Error(`bare server answered ${r.status}: ${r.body}`);
    return r.ms;
  };
  const baselineRef = args.option("baseline");
  const baseline = baselineRef ? await startBaseline(stack, baselineRef) : undefined;
  const baselineCall = () => baseline?.command();

  for (let i = 0; i < warmup; i++) {
    await raw();
    await http();
    await hop();
    await bareCall();
    await baselineCall();
  }
  const rawMs: number[] = [];
  const httpMs: number[] = [];
  const hopMs: number[] = [];
  const bareMs: number[] = [];
  while (httpMs.length < perSide) {
    for (let i = 0; i < block; i++) rawMs.push(await raw());
    for (let i = 0; i < block; i++) httpMs.push(await http());
    for (let i = 0; i < block; i++) hopMs.push(await hop());
    for (let i = 0; i < block; i++) bareMs.push(await bareCall());
    for (let i = 0; i < block; i++) await baselineCall();
  }
  // CPU per call, from the kernel's accounting (not the sampling profiler, which also counts
  // time a thread spent descheduled): every thread of the service and of the bare server
  // (schedstat, ns), this process's own (`process.cpuUsage()`, all threads) around its raw
  // calls, which is the SDK client's work. Interleaved in blocks, like the latencies, so the
  // machine's drift hits all of them alike.
  const cpuRuns = args.quick ? 100 : 600;
  const servicePid = stack.service("command-api").pid;
  const serviceMs = () => threadCpuMs(servicePid) ?? Number.NaN;
  const bareCpuNow = () => threadCpuMs(bare.pid) ?? Number.NaN;
  let serviceCpu = 0;
  let hopCpu = 0;
  let bareCpu = 0;
  let rawCpuMicros = 0;
  let baselineCpu = 0;
  for (let done = 0; done < cpuRuns; done += block) {
    if (baseline) {
      const b0 = threadCpuMs(baseline.pid) ?? Number.NaN;
      for (let i = 0; i < block; i++) await baseline.command();
      baselineCpu += (threadCpuMs(baseline.pid) ?? Number.NaN) - b0;
    }
    const s0 = serviceMs();
    for (let i = 0; i < block; i++) await http();
    const s1 = serviceMs();
    serviceCpu += s1 - s0;
    for (let i = 0; i < block; i++) await hop();
    hopCpu += serviceMs() - s1;
    const b0 = bareCpuNow();
    for (let i = 0; i < block; i++) await bareCall();
    bareCpu += bareCpuNow() - b0;
    const own0 = process.cpuUsage();
    for (let i = 0; i < block; i++) await raw();
    const own = process.cpuUsage(own0);
    rawCpuMicros += own.user + own.system;
  }
  await bare.stop();
  await baseline?.stop();
  const baselineCpuMs = baselineCpu / cpuRuns;
  const serviceCpuMs = serviceCpu / cpuRuns;
  const hopCpuMs = hopCpu / cpuRuns;
  const bareCpuMs = bareCpu / cpuRuns;
  const rawCpuMs = rawCpuMicros / 1000 / cpuRuns;
  client.destroy();

  const cmd = summarize(httpMs);
  const base = summarize(rawMs);
  const floor = summarize(hopMs);
  const show = (label: string, s: Summary) =>
    console.log(
      `  ${label.padEnd(28)} n=${s.n} p50 ${round(s.p50)} ms  p90 ${round(s.p90)}  p99 ${round(s.p99)}  max ${round(s.max)}  stddev ${round(s.stddev)}`,
    );
  console.log(
    `command latency (${commandLabel}), event payload ${template.payload?.B?.byteLength ?? "?"} B`,
  );
  show("HTTP command", cmd);
  show("raw PutItem (same item)", base);
  show("GET /commands/healthz (HTTP hop)", floor);
  show("bare node:http + same PutItem", summarize(bareMs));

  console.log(
    `  CPU per call: command-api ${round(serviceCpuMs)} ms per command; client ${round(rawCpuMs)} ms per raw PutItem (ratio ${round(serviceCpuMs / rawCpuMs)}); bare node:http server ${round(bareCpuMs)} ms per same PutItem (ratio ${round(bareCpuMs / rawCpuMs)}); command-api ${round(hopCpuMs)} ms per GET /commands/healthz`,
  );
  if (baseline)
    console.log(
      `  CPU per command at ${baselineRef}: ${round(baselineCpuMs)} ms (working tree / baseline ${round(serviceCpuMs / baselineCpuMs)})`,
    );
  const trips = await roundTripsPerCommand(stack);
  console.log(
    `  DynamoDB requests per command (second instance behind a counting proxy): ${trips.perCommand} ${JSON.stringify(trips.counts)}`,
  );

  await stack.stop();
  emitResult({
    bench: "command-latency",
    quick: args.quick,
    rows: [
      {
        figure: "1. command latency p50 / raw PutItem p50",
        value: round(cmd.p50 / base.p50),
        unit: "×",
        goal: "≤ 1.25",
        note: `${round(cmd.p50)} vs ${round(base.p50)} ms; ${commandLabel}`,
      },
      {
        figure: "1. command latency p99 / raw PutItem p50",
        value: round(cmd.p99 / base.p50),
        unit: "×",
        note: `command p99 ${round(cmd.p99)} ms (raw p99 ${round(base.p99)} ms), n=${cmd.n} each, sequential`,
      },
      {
        figure: "1. HTTP hop alone (GET /commands/healthz) p50 / raw p50",
        value: round(floor.p50 / base.p50),
        unit: "×",
        note: `${round(floor.p50)} ms: the floor any HTTP service adds on top of its one write`,
      },
      {
        figure: "1. CPU of the command API per command / raw SDK client CPU per same PutItem",
        value: round(serviceCpuMs / rawCpuMs),
        unit: "×",
        goal: "≤ 1.3",
        note: `${round(serviceCpuMs)} vs ${round(rawCpuMs)} ms (kernel accounting, all threads, ${cpuRuns} calls each, interleaved in blocks of ${block})`,
      },
      {
        figure: "1. CPU of a bare node:http server making the same PutItem / raw SDK client CPU",
        value: round(bareCpuMs / rawCpuMs),
        unit: "×",
        note: `${round(bareCpuMs)} ms: the floor of any HTTP service here (no framework, auth, validation or log; the image's NODE_OPTIONS)`,
      },
      {
        figure: "1. CPU of the command API per command / the bare server's",
        value: round(serviceCpuMs / bareCpuMs),
        unit: "×",
        note: "what Hono, authentication, validation, decide, encode, the per-item queue and the log add to the floor",
      },
      ...(baseline
        ? [
            {
              figure: `1. CPU of the command API per command / the same at ${baselineRef}`,
              value: round(serviceCpuMs / baselineCpuMs),
              unit: "×",
              note: `${round(serviceCpuMs)} vs ${round(baselineCpuMs)} ms, measured in the same blocks`,
            },
          ]
        : []),
      {
        figure: "1. CPU of one GET /commands/healthz (the HTTP floor) / raw PutItem CPU",
        value: round(hopCpuMs / rawCpuMs),
        unit: "×",
        note: `${round(hopCpuMs)} ms: what any request costs the service before it does any work`,
      },
      {
        figure: "1. DynamoDB requests per warm command",
        value: trips.perCommand,
        unit: "requests",
        goal: "1 (one round trip)",
        met: trips.perCommand === 1,
        note: Object.entries(trips.counts)
          .map(([op, n]) => `${op} ${n}`)
          .join(", "),
      },
    ],
  });
} catch (e) {
  stack.fail(e);
} finally {
  await stack.stop();
}

/**
 * Registers an item on a command API; `command` then sends the warm-aggregate command the figure
 * is about (receive-stock on that item) and resolves with its latency, or throws on any non-200.
 */
async function warmItem(api: string, auth: Readonly<Record<string, string>>) {
  const reg = await postJson(`${api}/commands/items`, { name: "Bench kettle", price: 4200 }, auth);
  if (reg.status !== 201)
    throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
  const itemId = (reg.body as { itemId: string }).itemId;
  const command = async () => {
    const r = await postJson(
      `${api}/commands/items/${itemId}/receive-stock`,
      { quantity: 1 },
      auth,
    );
    if (r.status !== 200) throw new Error(`${api} answered ${r.status}`);
    return r.ms;
  };
  return { itemId, command };
}

/** The command API of another revision on the same tables, with an item of its own. */
async function startBaseline(stack: Stack, revision: string) {
  const service = await startService({ name: "command-api", env: stack.env, revision });
  const { command } = await warmItem(service.baseUrl ?? "", stack.auth);
  return { pid: service.pid, command, stop: () => service.stop() };
}

/** The bare node:http server (bench/support/bare-put-server.ts), as the image would run it. */
async function startBarePutServer(stack: Stack, templateItemId: string) {
  const port = await freePort();
  const server = launch({
    name: "bare-put-server",
    command: process.execPath,
    args: ["--import", "tsx", join(repoRoot, "bench", "support", "bare-put-server.ts")],
    cwd: repoRoot,
    env: {
      ...process.env,
      ...stack.env,
      NODE_OPTIONS: productionNodeOptions(),
      PORT: String(port),
      TEMPLATE_ITEM_ID: templateItemId,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(server, answersOk(`${url}/healthz`), { timeoutMs: 60_000 });
  return { url, pid: server.pid, stop: () => server.stop() };
}

/** Counts what one warm command sends to DynamoDB, through a second instance behind a proxy. */
async function roundTripsPerCommand(stack: Stack) {
  const proxy = await startCountingProxy(stack.infra.dynamodbEndpoint);
  const counted = await startService({
    name: "command-api",
    env: { ...stack.env, DYNAMODB_ENDPOINT: proxy.endpoint },
  });
  try {
    const { command: send } = await warmItem(counted.baseUrl ?? "", stack.auth);
    for (let i = 0; i < 5; i++) await send();
    proxy.reset();
    const n = 20;
    for (let i = 0; i < n; i++) await send();
    const counts = proxy.counts();
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    return { perCommand: round(total / n), counts };
  } finally {
    await counted.stop();
    await proxy.stop();
  }
}
