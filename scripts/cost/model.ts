/**
 * The cost model, pure: measured figures + prices + deploy minimums + a sustained command rate →
 * monthly cost per line. `scripts/cost/main.ts` reads the inputs and prints the result.
 */
import type { Assumptions, Prices } from "./prices.js";

export interface Units {
  readonly read: number;
  readonly write: number;
}

export interface UnitRow {
  readonly command: string;
  readonly key: boolean;
  readonly warm: Units;
  readonly cold: Units;
  readonly adapter?: Units | undefined;
}

export interface Measured {
  readonly cpuMsPerCommand: { readonly commandApi: number; readonly streamConsumer: number };
  readonly projectionDbMsPerEvent: { readonly value: number };
  readonly journalRowBytes: { readonly ours: number; readonly adapter: number };
  readonly unitsPerCommand: { readonly rows: readonly UnitRow[] };
}

export interface Deployable {
  readonly name: string;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly vcpu: number;
  readonly memoryGb: number;
}

export interface Deploy {
  readonly services: readonly Deployable[];
  /**
   * The services reading the journal's stream, each with its own lease table (the consumer, the
   * integration publisher): each polls every shard and checkpoints its own progress.
   */
  readonly streamApplications: readonly string[];
  readonly auroraMinAcu: number;
  readonly snapshotEvery: number;
  readonly idlePollMs: number;
  /** Lease renewals per second per shard (every failover / 3) and take scans per worker. */
  readonly leaseRenewsPerSecond: number;
  readonly leaseScansPerSecond: number;
}

export interface Mix {
  /** Share of commands that carry an Idempotency-Key. */
  readonly keyed: number;
  /** Share of commands on an item the task's cache has not seen. */
  readonly cold: number;
}

export interface Line {
  readonly name: string;
  readonly monthly: number;
  readonly detail: string;
}

export interface CostResult {
  readonly rate: number;
  readonly design: "ours" | "adapter";
  readonly unitsPerCommand: Units;
  readonly lines: readonly Line[];
  readonly monthly: number;
  readonly perMillionCommands: number;
  readonly dominant: string;
}

const SECONDS_PER_HOUR = 3600;

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);

/**
 * Units of an average command: the six command types alike (each one event), the keyed and cold
 * shares as given (the adapter has neither keys nor a cache: every command loads).
 */
export const averageUnits = (
  rows: readonly UnitRow[],
  mix: Mix,
  design: "ours" | "adapter",
): Units => {
  const plain = rows.filter((r) => !r.command.includes("snapshot"));
  const avg = (key: boolean, side: (r: UnitRow) => Units | undefined): Units => {
    const xs = plain.filter((r) => r.key === key).map(side);
    return { read: mean(xs.map((u) => u?.read ?? 0)), write: mean(xs.map((u) => u?.write ?? 0)) };
  };
  const blend = (x: Units, y: Units, share: number): Units => ({
    read: x.read * (1 - share) + y.read * share,
    write: x.write * (1 - share) + y.write * share,
  });
  if (design === "adapter") return avg(false, (r) => r.adapter);
  const warm = blend(
    avg(false, (r) => r.warm),
    avg(true, (r) => r.warm),
    mix.keyed,
  );
  const cold = blend(
    avg(false, (r) => r.cold),
    avg(true, (r) => r.cold),
    mix.keyed,
  );
  return blend(warm, cold, mix.cold);
};

/** Monthly cost of a sustained `rate` (commands/s), by line, for one design. */
export const costAt = (input: {
  readonly rate: number;
  readonly design: "ours" | "adapter";
  readonly measured: Measured;
  readonly deploy: Deploy;
  readonly mix: Mix;
  readonly prices: Prices;
  readonly assumptions: Assumptions;
}): CostResult => {
  const { rate, design, measured, deploy, mix, prices: p, assumptions: a } = input;
  const perMonth = (perSecond: number) => perSecond * a.hoursPerMonth * SECONDS_PER_HOUR;
  const average = averageUnits(measured.unitsPerCommand.rows, mix, design);
  const perCommand: Units =
    design === "ours"
      ? {
          read: average.read,
          write: averageWrites(measured.unitsPerCommand.rows, mix, deploy.snapshotEvery),
        }
      : average;
  const lines: Line[] = [];

  lines.push({
    name: "DynamoDB writes (journal, idempotency, snapshots)",
    monthly: (perMonth(rate * perCommand.write) / 1e6) * p.dynamoDbWriteUnitPerMillion,
    detail: `${round(perCommand.write)} write units per command`,
  });
  lines.push({
    name: "DynamoDB reads (loads: cold ones for ours, every one for the adapter)",
    monthly: (perMonth(rate * perCommand.read) / 1e6) * p.dynamoDbReadUnitPerMillion,
    detail: `${round(perCommand.read)} read units per command`,
  });

  // Streams: shards follow the table's partitions; a busy shard is polled at once again.
  const shards = Math.max(
    a.minShards,
    Math.ceil((rate * perCommand.write) / a.writeUnitsPerShardPerSecond),
  );
  const perShard = rate / shards;
  const pollsPerShard = Math.min(1000 / a.busyPollCycleMs, perShard + 1000 / deploy.idlePollMs);
  const batchesPerShard = Math.min(1000 / a.busyPollCycleMs, perShard);
  // Every stream application reads every shard and keeps its own lease table.
  const apps = deploy.streamApplications;
  lines.push({
    name: "DynamoDB Streams GetRecords",
    monthly:
      (perMonth(apps.length * shards * pollsPerShard) / 1e6) * p.streamsReadRequestPerMillion,
    detail: `${apps.length} applications × ${shards} shards × ${round(pollsPerShard)} requests/s`,
  });
  const leaseWrites = apps.length * shards * (batchesPerShard + deploy.leaseRenewsPerSecond);
  const tasksOf = (name: string) => deploy.services.find((s) => s.name === name)?.minTasks ?? 1;
  // One small eventually consistent Scan per take cycle, per worker of each application.
  const leaseReads = apps.reduce(
    (sum, app) => sum + deploy.leaseScansPerSecond * 0.5 * tasksOf(app),
    0,
  );
  lines.push({
    name: `Lease tables (${apps.join(", ")}: checkpoints, renewals, scans)`,
    monthly:
      (perMonth(leaseWrites) / 1e6) * p.dynamoDbWriteUnitPerMillion +
      (perMonth(leaseReads) / 1e6) * p.dynamoDbReadUnitPerMillion,
    detail: `${round(leaseWrites)} write units/s (a checkpoint per batch, renewals)`,
  });

  // Fargate: the measured CPU per command at the target share, never below the minimum tasks.
  const cpuMs: Record<string, number> = {
    "command-api": measured.cpuMsPerCommand.commandApi,
    "stream-consumer": measured.cpuMsPerCommand.streamConsumer,
  };
  for (const s of deploy.services) {
    const vcpuNeeded = (rate * (cpuMs[s.name] ?? 0)) / 1000;
    const tasks = Math.max(s.minTasks, Math.ceil(vcpuNeeded / (s.vcpu * a.targetCpuShare)));
    // Per command, at the target share: the task's memory comes along with its CPU.
    const vcpuSeconds = (cpuMs[s.name] ?? 0) / 1000 / a.targetCpuShare;
    const gbSeconds = (vcpuSeconds * s.memoryGb) / s.vcpu;
    const why = cpuMs[s.name]
      ? `; ${round(cpuMs[s.name] ?? 0)} ms CPU per command = ${round(vcpuSeconds * 1000)} vCPU-ms + ${round(gbSeconds * 1000)} GB-ms at ${a.targetCpuShare * 100}% CPU`
      : "; the minimum only (no CPU per command measured for it)";
    const over = tasks > s.maxTasks ? ` (above the manifest's maximum of ${s.maxTasks})` : "";
    lines.push({
      name: `Fargate ${s.name}`,
      monthly:
        tasks * (s.vcpu * p.fargateVcpuHour + s.memoryGb * p.fargateGbHour) * a.hoursPerMonth,
      detail: `${tasks} × (${s.vcpu} vCPU, ${s.memoryGb} GB)${over}${why}`,
    });
  }

  const acu = Math.max(
    deploy.auroraMinAcu,
    (rate * measured.projectionDbMsPerEvent.value) / 1000 / a.vcpuPerAcu,
  );
  lines.push({
    name: "Aurora Serverless v2 (projection)",
    monthly: acu * p.auroraAcuHour * a.hoursPerMonth,
    detail: `${round(acu)} ACU`,
  });

  const rowBytes =
    (design === "ours" ? measured.journalRowBytes.ours : measured.journalRowBytes.adapter) +
    a.storageOverheadBytes;
  const gbAddedPerMonth = (perMonth(rate) * rowBytes) / 1e9;
  lines.push({
    name: "DynamoDB storage added per month (journal)",
    monthly: gbAddedPerMonth * p.dynamoDbStorageGbMonth,
    detail: `${round(gbAddedPerMonth)} GB more each month (billed every month after)`,
  });

  const monthly = lines.reduce((s, l) => s + l.monthly, 0);
  const commands = perMonth(rate);
  const dominant = [...lines].sort((x, y) => y.monthly - x.monthly)[0]?.name ?? "";
  return {
    rate,
    design,
    unitsPerCommand: perCommand,
    lines,
    monthly,
    perMillionCommands: commands > 0 ? (monthly / commands) * 1e6 : 0,
    dominant,
  };
};

/** Our write units per command: keyed/plain mix plus the snapshot put once in N commands. */
export const averageWrites = (rows: readonly UnitRow[], mix: Mix, snapshotEvery: number) => {
  const plain = rows.filter((r) => !r.command.includes("snapshot"));
  const w = (key: boolean) => mean(plain.filter((r) => r.key === key).map((r) => r.warm.write));
  const snap = rows.find((r) => r.command.includes("snapshot") && !r.key);
  const plainOne = plain.find((r) => !r.key);
  const snapshotExtra = snap && plainOne ? snap.warm.write - plainOne.warm.write : 0;
  return w(false) * (1 - mix.keyed) + w(true) * mix.keyed + snapshotExtra / snapshotEvery;
};

export const round = (x: number): number =>
  x >= 100 ? Math.round(x) : x >= 1 ? Math.round(x * 100) / 100 : Math.round(x * 1000) / 1000;
