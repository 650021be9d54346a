// `npm run bench`: runs every bench/*.bench.ts as its own process (all with the same --quick),
// prints one table and, one rule for all (BenchArgs.write): a full run rewrites "## Latest run"
// and every bench its own section of docs/benchmarks.md, then lists what was written; --quick
// never writes. Options: --quick, --only=name[,name], --no-write, --timeout-s=N.
import { readdirSync } from "node:fs";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { join } from "node:path";
import { launch } from "../dev/child-process.js";
import { benchArgs } from "./support/args.js";
import "./support/cleanup.js";
import { writeDocSection, writtenSections } from "./support/doc-section.js";
import { repoRoot } from "./support/paths.js";
import { type BenchOutcome, LATEST_RUN, renderSection, renderTable } from "./support/report.js";
import { parseResultOutput } from "./support/result.js";

const args = benchArgs();
const only = args.option("only")?.split(",").filter(Boolean);
const { write } = args;
const timeoutMs = Number(args.option("timeout-s") ?? (args.quick ? 150 : 300)) * 1000;

const benches = readdirSync(join(repoRoot, "bench"))
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.slice(0, -".bench.ts".length))
  .filter((name) => !only || only.includes(name))
  .sort();

const runOne = async (name: string): Promise<BenchOutcome> => {
  const started = performance.now();
  const loadBefore = loadavg()[0] ?? 0;
  let stdout = "";
  const child = launch({
    name,
    command: process.execPath,
    args: [
      "--import",
      "tsx",
      join("bench", `${name}.bench.ts`),
      ...(args.quick ? ["--quick"] : []),
      // Said explicitly, so that no bench falls back on a default of its own.
      write ? "--write" : "--no-write",
    ],
    cwd: repoRoot,
    keepBytes: 16_384,
    onOutput: (text, from) => {
      if (from === "stdout") stdout += text;
      (from === "stdout" ? process.stdout : process.stderr).write(
        text.replace(/^(?=.)/gm, `[${name}] `),
      );
    },
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void child.stop();
  }, timeoutMs);
  const code = await child.exited();
  clearTimeout(timer);
  const parsed = parseResultOutput(stdout);
  const problem = timedOut
    ? `timed out after ${timeoutMs / 1000} s`
    : parsed.ok
      ? undefined
      : code !== 0
        ? `failed, ${parsed.reason}`
        : parsed.reason;
  return {
    name,
    exitCode: code,
    seconds: (performance.now() - started) / 1000,
    loadBefore,
    result: parsed.ok ? parsed.result : undefined,
    problem,
    sections: writtenSections(stdout),
    tail: child.output().split("\n").slice(-15).join("\n"),
  };
};

/** The command as the user typed it (npm scripts pass their own flags first). */
const commandLine = () => {
  const event = process.env.npm_lifecycle_event;
  const argv = process.argv.slice(2);
  const extra = (event === "bench:quick" ? argv.slice(1) : argv).join(" ");
  if (event === "bench" || event === "bench:quick")
    return `npm run ${event}${extra ? ` -- ${extra}` : ""}`;
  return `npx tsx bench/run.ts${argv.length ? ` ${argv.join(" ")}` : ""}`;
};

console.log(
  `running ${benches.length} benches${args.quick ? " (quick)" : ""}: ${benches.join(", ")}`,
);
const outcomes: BenchOutcome[] = [];
for (const name of benches) {
  console.log(`\n=== ${name} ===`);
  outcomes.push(await runOne(name));
}

const cpu = cpus();
const section = renderSection({
  outcomes,
  machine: {
    cpus: `${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}`,
    memory: `${Math.round(totalmem() / 1024 ** 3)} GiB`,
    node: process.version,
    os: `${platform()} ${release()}`,
  },
  date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  command: commandLine(),
  quick: args.quick,
});
console.log(`\n${renderTable(outcomes)}\n`);
if (write) {
  writeDocSection(LATEST_RUN, section);
  const refreshed = outcomes.flatMap((o) => o.sections);
  const none = outcomes.filter((o) => o.sections.length === 0).map((o) => o.name);
  console.log(
    `docs/benchmarks.md: refreshed ${[LATEST_RUN, ...refreshed].map((h) => `"${h}"`).join(", ")}${none.length > 0 ? `; none from ${none.join(", ")}` : ""}`,
  );
} else
  console.log(
    `docs/benchmarks.md left as is (${args.quick ? "--quick never writes" : "--no-write"})`,
  );
process.exitCode = outcomes.every((o) => o.exitCode === 0) ? 0 : 1;
