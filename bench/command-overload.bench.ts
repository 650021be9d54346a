// Overload (issue 13): the command API driven at twice the rate it sustains, over a mix of hot
// and cold items. Every request must be answered (2xx or 503 + Retry-After) within its
// deadline, no command may run after its 503 (journal events = 2xx answers), and memory stays
// bounded (peak RSS). Run alone: npx tsx bench/command-overload.bench.ts [--quick] [--no-write]

import { journalTable } from "../services/tables/definitions.js";
import { countItems } from "../test/support/table-count.js";
import { benchArgs, seededRandom } from "./support/args.js";
import { writeDocSection } from "./support/doc-section.js";
import { pooledClient, postJson, sleep } from "./support/http.js";
import { cpuSeconds, mib, resetPeakRss, sampleRss } from "./support/memory.js";
import { emitResult } from "./support/result.js";
import { startStack } from "./support/stack.js";
import { round, summarize } from "./support/stats.js";

const args = benchArgs();
const measureSeconds = args.quick ? 4 : 10;
const overloadSeconds = args.quick ? 8 : 30;
const deadlineMs = 10_000;
const hotItems = 4;
const coldItems = args.quick ? 50 : 200;
const random = seededRandom(13);

/** How to read the figures; kept with the bench so that a rerun keeps it. */
const READING = [
  "What the figures say:",
  "",
  "- **Every request is answered within its deadline** (0 late in the recorded run; p99 well under a second). Three mechanisms, each answering `503` + `Retry-After` without touching DynamoDB: (1) while the event loop's ticks run more than 20 ms late on average and the loop is at least 90% busy, the command routes are shed before authentication and body parsing (`reason: EventLoopDelay`): requests waiting in socket buffers are out of reach of any queue bound or deadline, and a refusal costs a fraction of a command, so the backlog drains; (2) per-item depth and the in-flight cap (`QueueFull`, `TooManyInFlight`); (3) the queue learns how long a command runs and refuses or drops, unrun, one that could no longer end by its deadline (`DeadlineExceeded`), so that answer comes before the deadline, not at it.",
  "- **No command ran after its 503**: the journal holds exactly one event per register and per 2xx.",
  '- **The sustained rate** is the most 2xx per second the service completed over the same mix: in open loops offered 1.5, 2 and 3 times what a closed loop of 32 clients gets (those clients each wait for their answer, so they measure 32 ÷ latency), or in a 10 s warm-up overload at twice the best of those, whichever is higher: warm, the service and DynamoDB Local complete more than in the short probes. The row "offered rate ÷ 2xx rate completed" checks the result against the recorded phase itself.',
  "- **Peak RSS within 150 MiB**: the image caps old space at 96 MiB (`NODE_OPTIONS` in the Dockerfile; the live heap under this load is ≈ 30 MiB, the rest of an uncapped heap was garbage V8 had not yet collected) and the services run compiled, as in the image. Before: 161–233 MiB through tsx with no cap.",
  "- The client reaches the service over at most 1,024 kept-alive connections (a load balancer's pool). With one `fetch` per request in flight, thousands of connection attempts overflowed the kernel's listen queue: dropped SYNs retried after 1, 3, 7 s, late however fast the service answered.",
].join("\n");

const stack = await startStack({
  services: ["command-api"],
  extraEnv: {
    REQUEST_DEADLINE_MS: String(deadlineMs),
  },
  log: (l) => console.log(l),
});
try {
  const api = stack.url("command-api");
  const journal = stack.tableName(journalTable.logicalName);
  const client = stack.dynamoDb();

  const register = async (name: string) => {
    const r = await postJson(`${api}/commands/items`, { name, price: 100 }, stack.auth);
    if (r.status !== 201) throw new Error(`register answered ${r.status}`);
    return (r.body as { itemId: string }).itemId;
  };
  const hot: string[] = [];
  const cold: string[] = [];
  for (let i = 0; i < hotItems; i++) hot.push(await register(`hot ${i}`));
  for (let i = 0; i < coldItems; i++) cold.push(await register(`cold ${i}`));
  const registered = hot.length + cold.length;

  const anyCold = () => cold[Math.floor(random() * cold.length)] as string;
  /** Half the commands go to a few hot items, half spread over the cold ones. */
  const mixed = () =>
    random() < 0.5 ? (hot[Math.floor(random() * hot.length)] as string) : anyCold();
  // The load balancer opens connections as it needs them; a pool this large is never the limit
  // (256 commands admitted at most), yet cannot flood the listen queue as one fetch per
  // request does, which dropped connections in the kernel (SYN retries: 3 s, 7 s…, all late).
  const lb = pooledClient({ maxConnections: 1024 });
  const send = async (pick: () => string) => {
    const t0 = performance.now();
    try {
      const res = await lb.post(`${api}/commands/items/${pick()}/receive-stock`, '{"quantity":1}', {
        "content-type": "application/json",
        ...stack.auth,
      });
      const reason =
        res.status === 503
          ? ((JSON.parse(res.body) as { reason?: string }).reason ?? "?")
          : undefined;
      return {
        status: res.status,
        ms: performance.now() - t0,
        retryAfter: res.headers["retry-after"],
        reason,
      };
    } catch (e) {
      const reason = (e as { code?: string }).code ?? (e as Error).message;
      return { status: 0, ms: performance.now() - t0, retryAfter: undefined, reason };
    }
  };

  /** Open loop: requests leave on schedule whatever the answers. */
  const offer = async (rate: number, seconds: number, pick: () => string) => {
    const answers: ReturnType<typeof send>[] = [];
    const start = performance.now();
    const total = Math.round(rate * seconds);
    while (answers.length < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
      while (answers.length < due) answers.push(send(pick));
      await sleep(2);
    }
    const results = await Promise.all(answers);
    return { results, seconds: (performance.now() - start) / 1000 };
  };
  const is2xx = (status: number) => status >= 200 && status < 300;

  // 1. The sustained rate: the most the service completes per second, over the same mix. A
  // closed loop of 32 clients (MAX_COMMANDS_RUNNING) measures only 32 ÷ latency, so it is a
  // first guess; it runs on cold items, since a hot item's commands run one after another by
  // design and clients waiting on them would leave the service idle.
  let closed = 0;
  const concurrency = 32;
  const until = performance.now() + measureSeconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) if ((await send(anyCold)).status === 200) closed += 1;
    }),
  );
  // Then open loops at 1.5, 2 and 3 times that: the most 2xx per second any of them got.
  const steps = [];
  for (const factor of [1.5, 2, 3]) {
    const offered = (factor * closed) / measureSeconds;
    const step = await offer(offered, measureSeconds / 2, mixed);
    const completed = step.results.filter((r) => is2xx(r.status)).length;
    steps.push({ offered, completed, rate: completed / step.seconds });
  }
  const best = steps.reduce((a, b) => (b.rate > a.rate ? b : a));
  const probedRate = best.rate;
  // A warm-up overload at twice that: the service, and DynamoDB Local's JVM, completed more once
  // warm than in the short probes. What it completes here, warm and saturated, is the rate it
  // sustains when higher: the recorded phase is then twice what the service can really do.
  const warm = await offer(2 * probedRate, measureSeconds, mixed);
  const warmCompleted = warm.results.filter((r) => is2xx(r.status)).length;
  const sustained = Math.max(probedRate, warmCompleted / warm.seconds);
  const probed = steps.reduce((n, s) => n + s.completed, 0) + warmCompleted;
  const stepsNote = steps.map((s) => `${round(s.rate)} of ${round(s.offered)}/s`).join(", ");
  console.log(
    `sustained: ${round(sustained)} commands/s (2xx/s when offered: ${stepsNote}; warm overload: ${round(warmCompleted / warm.seconds)}/s; closed loop of ${concurrency}: ${round(closed / measureSeconds)}/s)`,
  );

  // 2. Twice that rate, open loop, half on a few hot items.
  const rate = 2 * sustained;
  // The peak of this phase alone (the kernel's high-water mark, reset where Linux allows it).
  const pid = stack.service("command-api").pid;
  // Where the 2 cores went: this process (the client), the service, DynamoDB Local.
  const cpuOf = {
    client: () => process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
    service: () => cpuSeconds(pid) ?? Number.NaN,
    dynamodb: () => cpuSeconds(stack.infra.pids["dynamodb-local"] ?? -1) ?? Number.NaN,
  };
  const cpuBefore = Object.fromEntries(Object.entries(cpuOf).map(([k, f]) => [k, f()]));
  const resetOk = resetPeakRss(pid);
  const rss = sampleRss(pid);
  const { results, seconds: phaseSeconds } = await offer(rate, overloadSeconds, mixed);
  const cpuShare = Object.entries(cpuOf)
    .map(([k, f]) => `${k} ${round((f() - (cpuBefore[k] ?? 0)) / phaseSeconds)}`)
    .join(", ");
  const peak = rss.peakBytes();
  rss.stop();

  const count = (p: (s: number) => boolean) => results.filter((r) => p(r.status)).length;
  const ok2 = count(is2xx);
  const refused = count((s) => s === 503);
  const other = results.length - ok2 - refused;
  const withoutRetryAfter = results.filter((r) => r.status === 503 && !r.retryAfter).length;
  const latency = summarize(results.map((r) => r.ms));
  const late = results.filter((r) => r.ms > deadlineMs).length;
  const reasons = new Map<string, number>();
  for (const r of results) if (r.reason) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
  const byReason = [...reasons].map(([k, v]) => `${k} ${v}`).join(", ");

  // 3. No command ran after its 503: the journal holds one event per 2xx (and per register).
  const events = await countItems(client, journal);
  const expectedEvents = registered + closed + probed + ok2;
  client.destroy();
  lb.close();

  const share = (n: number) => round((100 * n) / results.length);
  console.log(
    `overload: ${results.length} requests at ${round(rate)}/s for ${overloadSeconds} s: 2xx ${ok2} (${share(ok2)} %), 503 ${refused} (${share(refused)} %), other ${other}; 503 by reason: ${byReason}; latency p50 ${round(latency.p50)} ms p99 ${round(latency.p99)} ms max ${round(latency.max)} ms; over the deadline ${late}; journal ${events} events vs ${expectedEvents} expected; cores busy: ${cpuShare}; peak RSS ${peak === undefined ? "?" : round(mib(peak))} MiB`,
  );

  const rows = [
    {
      figure: "13. sustained command rate",
      value: round(sustained),
      unit: "commands/s",
      note: `the most 2xx per second in open loops over the same mix (${stepsNote}), or, when higher, in a ${measureSeconds} s warm-up at twice the best of those (${round(warmCompleted / warm.seconds)}/s); a closed loop of ${concurrency} clients on cold items: ${round(closed / measureSeconds)}/s`,
    },
    {
      figure: "13. offered rate under overload (2× sustained, open loop)",
      value: round(rate),
      unit: "requests/s",
      note: `${results.length} requests over ${overloadSeconds} s; cores busy: ${cpuShare}`,
    },
    { figure: "13. answered 2xx", value: share(ok2), unit: "%", note: `${ok2} requests` },
    {
      figure: "13. offered rate ÷ 2xx rate completed under overload",
      value: round(rate / (ok2 / phaseSeconds)),
      unit: "×",
      note: `${round(ok2 / phaseSeconds)} 2xx/s completed: the overload measured against what the service did complete in this phase, not the sustained-rate estimate`,
    },
    {
      figure: "13. answered 503 + Retry-After (overloaded)",
      value: share(refused),
      unit: "%",
      note: `${refused} requests (${byReason || "none"}), ${withoutRetryAfter} without Retry-After; other answers: ${other}`,
    },
    {
      figure: "13. answers later than the 10 s deadline",
      value: late,
      unit: "requests",
      goal: "0",
      met: late === 0,
      note: `latency p50 ${round(latency.p50)} ms, p99 ${round(latency.p99)} ms, max ${round(latency.max)} ms`,
    },
    {
      figure: "13. journal events − (registers + 2xx answers)",
      value: events - expectedEvents,
      unit: "events",
      goal: "0 (no command ran after its 503)",
      met: events === expectedEvents,
      note: `${events} events in the journal`,
    },
    {
      figure: "13. peak RSS of the command API under overload",
      value: peak === undefined ? null : round(mib(peak)),
      unit: "MiB",
      goal: "≤ 150",
      note: `VmHWM ${resetOk ? "of the overload phase" : "since start"}, compiled JavaScript with the image's NODE_OPTIONS`,
    },
  ];
  if (args.write) {
    const table = [
      "| figure | value | goal | note |",
      "|---|---|---|---|",
      ...rows.map(
        (r) =>
          `| ${r.figure} | ${r.value} ${r.unit} | ${"goal" in r ? r.goal : ""} | ${r.note ?? ""} |`,
      ),
    ].join("\n");
    writeDocSection(
      "## Command API under overload",
      `## Command API under overload\n\n\`npx tsx bench/command-overload.bench.ts\`: the command API (defaults: ${deadlineMs / 1000} s deadline, 32 commands per item, 256 in flight, 32 running, shedding above 20 ms of mean event-loop delay with the loop 90% busy; compiled as in the image) against DynamoDB Local, first offered 1.5, 2 and 3 times what a closed loop of 32 clients completes on cold items, over the same mix as below, then a 10 s warm-up overload at twice the best, to find the rate it sustains (the most 2xx per second of those), then driven open-loop at twice that rate for ${overloadSeconds} s through up to 1,024 kept-alive connections; half the commands go to ${hotItems} hot items, half to ${coldItems} cold ones. Absolute rates depend on the machine's load (2 shared cores here); the shares and the invariants are what count.\n\n${table}\n\n${READING}\n`,
    );
  }
  await stack.stop();
  emitResult({ bench: "command-overload", quick: args.quick, rows });
} catch (e) {
  stack.fail(e);
} finally {
  await stack.stop();
}
