/**
 * `npm run cost -- --rate <commands/s> [--rate …] [--keyed <share>] [--cold <share>]`: monthly
 * AWS cost of a sustained command rate (default 10, 100 and 1,000/s), from the measured figures
 * (scripts/cost/measured.json), the prices (scripts/cost/prices.ts) and the deploy manifests'
 * minimum task counts and sizes of every service (copilot/*\/manifest.yml, scripts/cost/deploy.ts),
 * for this design and for
 * event-store-adapter-js doing the same work. See docs/cost.md.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { deployFromManifests } from "./deploy.js";
import { type CostResult, costAt, type Measured, round } from "./model.js";
import { ASSUMPTIONS, PRICES } from "./prices.js";

const { values } = parseArgs({
  options: {
    rate: { type: "string", multiple: true },
    keyed: { type: "string", default: "0" },
    cold: { type: "string", default: "0" },
  },
});
const share = (s: string, name: string) => {
  const x = Number(s);
  if (!(x >= 0 && x <= 1)) throw new Error(`--${name} must be a share between 0 and 1, got ${s}`);
  return x;
};
const rates = (values.rate ?? ["10", "100", "1000"]).map((r) => {
  const x = Number(r);
  if (!(x >= 0)) throw new Error(`--rate must be a number of commands per second, got ${r}`);
  return x;
});
const mix = { keyed: share(values.keyed, "keyed"), cold: share(values.cold, "cold") };

const root = new URL("../../", import.meta.url);
const measured = JSON.parse(
  readFileSync(new URL("scripts/cost/measured.json", root), "utf8"),
) as Measured;

const deploy = deployFromManifests(root);

const money = (x: number) =>
  x >= 100 ? `$${Math.round(x).toLocaleString("en-US")}` : `$${x.toFixed(2)}`;
const table = (ours: CostResult, adapter: CostResult) => [
  `### ${ours.rate.toLocaleString("en-US")} commands/s, sustained`,
  "",
  "| Line | ours / month | detail | event-store-adapter-js / month | detail |",
  "|---|---:|---|---:|---|",
  ...ours.lines.map((l, i) => {
    const a = adapter.lines[i];
    return `| ${l.name} | ${money(l.monthly)} | ${l.detail} | ${a ? money(a.monthly) : ""} | ${a?.detail ?? ""} |`;
  }),
  `| **Total per month** | **${money(ours.monthly)}** | | **${money(adapter.monthly)}** | |`,
  `| Per million commands | ${money(ours.perMillionCommands)} | | ${money(adapter.perMillionCommands)} | |`,
  "",
  `Dominant line: ours — ${ours.dominant}; adapter — ${adapter.dominant}.`,
  "",
];

const lines = [
  `Prices: ${PRICES.region}, on-demand, taken ${PRICES.takenOn} (scripts/cost/prices.ts). Mix: ${mix.keyed * 100}% of commands with an Idempotency-Key, ${mix.cold * 100}% cold (item not in the task's cache). Units per command from ${JSON.stringify((measured.unitsPerCommand as unknown as { source?: string }).source ?? "bench/units.bench.ts")}.`,
  "",
];
for (const rate of rates) {
  const input = { rate, measured, deploy, mix, prices: PRICES, assumptions: ASSUMPTIONS };
  const ours = costAt({ ...input, design: "ours" });
  const adapter = costAt({ ...input, design: "adapter" });
  lines.push(...table(ours, adapter));
  lines.push(
    `Units per command: ours ${round(ours.unitsPerCommand.write)} W / ${round(ours.unitsPerCommand.read)} R; adapter ${round(adapter.unitsPerCommand.write)} W / ${round(adapter.unitsPerCommand.read)} R.`,
    "",
  );
}
console.log(lines.join("\n"));
