import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { deployables } from "../../deploy-facts/deployables.js";
import { deployFromManifests } from "../../scripts/cost/deploy.js";
import {
  averageUnits,
  averageWrites,
  costAt,
  type Deploy,
  type Measured,
  type UnitRow,
} from "../../scripts/cost/model.js";
import { ASSUMPTIONS, PRICES } from "../../scripts/cost/prices.js";

const row = (command: string, key: boolean, write: number, coldRead = 2): UnitRow => ({
  command,
  key,
  warm: { write, read: 0 },
  cold: { write, read: coldRead },
  adapter: key ? undefined : { write: 6, read: 1 },
});
const rows: UnitRow[] = [
  row("rename", false, 1),
  row("rename", true, 4),
  row("receive stock", false, 1),
  row("receive stock", true, 4),
  row("receive stock, snapshot due (event 100)", false, 2, 8),
];
const measured: Measured = {
  cpuMsPerCommand: { commandApi: 2, streamConsumer: 1 },
  projectionDbMsPerEvent: { value: 0.05 },
  journalRowBytes: { ours: 300, adapter: 1000 },
  unitsPerCommand: { rows },
};
const deploy: Deploy = {
  services: [
    { name: "command-api", minTasks: 2, maxTasks: 6, vcpu: 0.25, memoryGb: 0.5 },
    { name: "stream-consumer", minTasks: 2, maxTasks: 4, vcpu: 0.25, memoryGb: 0.5 },
  ],
  streamApplications: ["stream-consumer"],
  auroraMinAcu: 0.5,
  snapshotEvery: 100,
  idlePollMs: 250,
  leaseRenewsPerSecond: 0.3,
  leaseScansPerSecond: 0.5,
};
const at = (rate: number, design: "ours" | "adapter" = "ours", keyed = 0, d: Deploy = deploy) =>
  costAt({
    rate,
    design,
    measured,
    deploy: d,
    mix: { keyed, cold: 0 },
    prices: PRICES,
    assumptions: ASSUMPTIONS,
  });
const line = (r: ReturnType<typeof at>, prefix: string) =>
  r.lines.find((l) => l.name.startsWith(prefix))?.monthly ?? Number.NaN;

describe("units of an average command", () => {
  it("adds the snapshot's own put once in snapshotEvery commands, and blends in keyed ones", () => {
    expect(averageWrites(rows, { keyed: 0, cold: 0 }, 100)).toBeCloseTo(1.01);
    expect(averageWrites(rows, { keyed: 0.5, cold: 0 }, 100)).toBeCloseTo(2.51);
  });

  it("reads only on cold commands; the adapter reads on every one", () => {
    expect(averageUnits(rows, { keyed: 0, cold: 0.25 }, "ours").read).toBeCloseTo(0.5);
    expect(averageUnits(rows, { keyed: 0, cold: 0 }, "adapter")).toEqual({ read: 1, write: 6 });
  });
});

describe("monthly cost", () => {
  it("is only the floors (minimum tasks, minimum ACU, idle polling) at no traffic", () => {
    const idle = at(0);
    expect(line(idle, "DynamoDB writes")).toBe(0);
    // 2 tasks × (0.25 vCPU × 0.04048 + 0.5 GB × 0.004445) × 730 h
    expect(line(idle, "Fargate command-api")).toBeCloseTo(
      2 * (0.25 * 0.04048 + 0.5 * 0.004445) * 730,
    );
    expect(line(idle, "Aurora")).toBeCloseTo(0.5 * 0.12 * 730);
    expect(idle.dominant).toMatch(/^Aurora/);
    expect(idle.perMillionCommands).toBe(0);
  });

  it("prices write units per million: 1,000/s of 1.01 units is 2.65 billion units a month", () => {
    const units = 1000 * 1.01 * 730 * 3600;
    expect(line(at(1000), "DynamoDB writes")).toBeCloseTo((units / 1e6) * 0.625);
  });

  it("scales Fargate tasks with the measured CPU beyond the minimum, never below it", () => {
    // 1,000/s × 2 ms = 2 vCPU at 70% of 0.25 vCPU per task → 12 tasks.
    expect(at(1000).lines.find((l) => l.name === "Fargate command-api")?.detail).toMatch(/^12 ×/);
    expect(at(10).lines.find((l) => l.name === "Fargate command-api")?.detail).toMatch(/^2 ×/);
  });

  it("shows the adapter's design dearer for the same work, by its write units", () => {
    const ours = at(1000);
    const adapter = at(1000, "adapter");
    expect(line(adapter, "DynamoDB writes") / line(ours, "DynamoDB writes")).toBeCloseTo(6 / 1.01);
    expect(adapter.monthly).toBeGreaterThan(ours.monthly);
  });
});

describe("the deploy the model is given", () => {
  const root = new URL("../../", import.meta.url);

  it("counts every service with a manifest, the integration publisher included, at its manifest's minimum", () => {
    const read = deployFromManifests(root);
    const services = deployables(fileURLToPath(root))
      .filter((d) => d.kind === "service")
      .map((d) => d.name);
    expect(read.services.map((s) => s.name)).toEqual(services);
    expect(read.services.find((s) => s.name === "integration-publisher")).toEqual({
      name: "integration-publisher",
      minTasks: 2,
      maxTasks: 4,
      vcpu: 0.25,
      memoryGb: 0.5,
    });
    expect(read.streamApplications).toEqual(["integration-publisher", "stream-consumer"]);
  });

  it("prices a second stream application: its tasks, its reads of every shard and its lease table", () => {
    const both: Deploy = {
      ...deploy,
      services: [
        ...deploy.services,
        { name: "integration-publisher", minTasks: 2, maxTasks: 4, vcpu: 0.25, memoryGb: 0.5 },
      ],
      streamApplications: ["stream-consumer", "integration-publisher"],
    };
    const one = at(100);
    const two = at(100, "ours", 0, both);
    expect(line(two, "DynamoDB Streams GetRecords")).toBeCloseTo(
      2 * line(one, "DynamoDB Streams GetRecords"),
    );
    expect(line(two, "Lease tables")).toBeCloseTo(2 * line(one, "Lease tables"));
    // No CPU per command measured for it: its two minimum tasks, priced.
    expect(line(two, "Fargate integration-publisher")).toBeCloseTo(
      2 * (0.25 * PRICES.fargateVcpuHour + 0.5 * PRICES.fargateGbHour) * ASSUMPTIONS.hoursPerMonth,
    );
    expect(two.monthly).toBeGreaterThan(one.monthly);
  });
});
