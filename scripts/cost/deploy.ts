/**
 * What the cost model takes from the deploy files: every long-running service with a Copilot
 * manifest (found on disk, so a new one is counted without editing this), its minimum and
 * maximum tasks and size, which of them read the journal's stream with their own lease table,
 * and the polling and lease settings.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { deployables } from "../../deploy-facts/deployables.js";
import { resolveConsumerConfig } from "../../services/streams/coordinator/config.js";
import type { Deploy, Deployable } from "./model.js";

interface Manifest {
  readonly cpu: number;
  readonly memory: number;
  readonly count: number | { readonly range: string };
  readonly variables?: Readonly<Record<string, unknown>>;
}

const manifestOf = (root: URL, name: string): Manifest =>
  parse(readFileSync(new URL(`copilot/${name}/manifest.yml`, root), "utf8")) as Manifest;

/** Minimum tasks, vCPU and memory of a service, as its manifest says. */
const sizeOf = (name: string, m: Manifest): Deployable => {
  const [min, max] =
    typeof m.count === "number" ? [m.count, m.count] : m.count.range.split("-").map(Number);
  return {
    name,
    minTasks: min ?? 1,
    maxTasks: max ?? min ?? 1,
    vcpu: m.cpu / 1024,
    memoryGb: m.memory / 1024,
  };
};

/** A stream application is given its own lease table (`LEASES_TABLE`, `PUBLISHER_LEASES_TABLE`). */
const readsTheStream = (m: Manifest): boolean =>
  Object.keys(m.variables ?? {}).some((k) => k.endsWith("LEASES_TABLE"));

/** `root`: the repository's folder URL (with a trailing slash). */
export const deployFromManifests = (root: URL): Deploy => {
  const names = deployables(fileURLToPath(root))
    .filter((d) => d.kind === "service")
    .map((d) => d.name);
  const manifests = names.map((name) => ({ name, m: manifestOf(root, name) }));
  const consumer = resolveConsumerConfig();
  return {
    services: manifests.map(({ name, m }) => sizeOf(name, m)),
    streamApplications: manifests.filter(({ m }) => readsTheStream(m)).map(({ name }) => name),
    auroraMinAcu: 0.5, // copilot/environments/addons/read-model-db.yml, MinCapacity
    snapshotEvery: Number(
      manifests.find(({ name }) => name === "command-api")?.m.variables?.SNAPSHOT_EVERY ?? 100,
    ),
    idlePollMs: consumer.idlePollMs,
    leaseRenewsPerSecond: 1000 / consumer.renewIntervalMs,
    leaseScansPerSecond: 1000 / consumer.takeIntervalMs,
  };
};
