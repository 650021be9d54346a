// Overload (issue 13): the command API driven at twice the rate it sustains, over a mix of hot
// and cold items. Every request must be answered (2xx or 503 + Retry-After) within its
// deadline, no command may run after its 503 (journal events = 2xx answers), and memory stays
// bounded (peak RSS). Run alone: npx tsx bench/command-overload.bench.ts [--quick] [--write]

import { journalTable } from "../services/tables/definitions.js";
import { countItems } from "../test/support/table-count.js";
import { benchArgs, seededRandom } from "./support/args.js";
import { writeDocSection } from "./support/doc-section.js";
import { pooledClient, postJson, sleep } from "./support/http.js";
import { mib, resetPeakRss, sampleRss } from "./support/memory.js";
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
  "- **No command ran after its 503**: the journal holds exactly one event per register and per 2xx, in every run so far. A refused or dropped command never reaches DynamoDB.",
  "- **503s carry `Retry-After`** and are answered at once (queue full, too many in flight) or at the deadline (dropped unrun).",
  "- **Answers within the deadline: met in short runs (8 s, `--quick`: 0 late, p99 ≈ 7 s), not in the 30 s runs on this shared, loaded machine.** The 10 s deadline counts from the moment the handler sees the request, and a command that has started is never abandoned (it may already have written). Time spent before the handler (connections waiting for a CPU-starved event loop, with DynamoDB Local, the bench client and other engineers' tests on the same 2 cores) and a started command's DynamoDB calls are not bounded by it. `MAX_COMMANDS_RUNNING` (32) was added after a first 30 s run with only the in-flight cap (p50 20 s: up to 256 commands ran at once against DynamoDB Local). Next steps, not done: shed on event-loop delay before admission, and an SDK request timeout below the deadline for running commands.",
  "- **Peak RSS above the 150 MiB goal** (≈ 140 MiB in a short run, 160–190 MiB over 30 s) while thousands of client connections are open at once; the process runs through tsx (the image runs compiled JavaScript).",
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

  // 1. The sustained rate: a closed loop with enough concurrency to keep the service busy. On
  // cold items: a hot item's commands run one after another by design, so a closed loop that
  // waits on them measures that item's round trip and leaves the service idle.
  let ok = 0;
  const concurrency = 128;
  const until = performance.now() + measureSeconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) if ((await send(anyCold)).status === 200) ok += 1;
    }),
  );
  const sustained = ok / measureSeconds;
  console.log(`sustained: ${round(sustained)} commands/s (closed loop, ${concurrency} clients)`);

  // 2. Twice that rate, open loop: requests leave on schedule whatever the answers.
  const rate = 2 * sustained;
  // The peak of this phase alone (the kernel's high-water mark, reset where Linux allows it).
  const pid = stack.service("command-api").pid;
  const resetOk = resetPeakRss(pid);
  const rss = sampleRss(pid);
  const answers: ReturnType<typeof send>[] = [];
  const start = performance.now();
  const total = Math.round(rate * overloadSeconds);
  while (answers.length < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    while (answers.length < due) answers.push(send(mixed));
    await sleep(2);
  }
  const results = await Promise.all(answers);
  const peak = rss.peakBytes();
  rss.stop();

  const count = (p: (s: number) => boolean) => results.filter((r) => p(r.status)).length;
  const ok2 = count((s) => s >= 200 && s < 300);
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
  const expectedEvents = registered + ok + ok2;
  client.destroy();
  lb.close();

  const share = (n: number) => round((100 * n) / results.length);
  console.log(
    `overload: ${results.length} requests at ${round(rate)}/s for ${overloadSeconds} s: 2xx ${ok2} (${share(ok2)} %), 503 ${refused} (${share(refused)} %), other ${other}; 503 by reason: ${byReason}; latency p50 ${round(latency.p50)} ms p99 ${round(latency.p99)} ms max ${round(latency.max)} ms; over the deadline ${late}; journal ${events} events vs ${expectedEvents} expected; peak RSS ${peak === undefined ? "?" : round(mib(peak))} MiB`,
  );

  const rows = [
    {
      figure: "13. sustained command rate (closed loop)",
      value: round(sustained),
      unit: "commands/s",
      note: `${concurrency} clients, ${measureSeconds} s, on cold items`,
    },
    {
      figure: "13. offered rate under overload (2× sustained, open loop)",
      value: round(rate),
      unit: "requests/s",
      note: `${results.length} requests over ${overloadSeconds} s`,
    },
    { figure: "13. answered 2xx", value: share(ok2), unit: "%", note: `${ok2} requests` },
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
  if (args.flag("write")) {
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
      `## Command API under overload\n\n\`npx tsx bench/command-overload.bench.ts --write\`${args.quick ? " --quick" : ""}: the command API (defaults: ${deadlineMs / 1000} s deadline, 32 commands per item, 256 in flight, 32 running, shedding above 200 ms of event-loop delay; compiled as in the image) against DynamoDB Local, first in a closed loop of 128 clients on cold items to find the rate it sustains, then driven open-loop at twice that rate for ${overloadSeconds} s through up to 1,024 kept-alive connections; half the commands go to ${hotItems} hot items, half to ${coldItems} cold ones. Absolute rates depend on the machine's load (2 shared cores here); the shares and the invariants are what count.\n\n${table}\n\n${READING}\n`,
    );
  }
  await stack.stop();
  emitResult({ bench: "command-overload", quick: args.quick, rows });
} catch (e) {
  stack.fail(e);
} finally {
  await stack.stop();
}
