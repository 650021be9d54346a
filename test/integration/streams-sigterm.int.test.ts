import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DynamoDbLeaseStore } from "../../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import { streamArnOf } from "../../services/tables/provision.js";
import { missing, orderViolations } from "../streams-sim/harness.js";
import { writeVersion } from "../streams-sim/journal-writer.js";
import { workerProcessTables } from "../streams-sim/worker-process-suite.js";
import { exited, handledOf, readLog, spawnWorker } from "../streams-sim/worker-processes.js";
import { eventually } from "../support/eventually.js";
import { awsOptions, tableName, uniqueSuffix } from "../support/infra.js";

// A long failover (6 s): the stopped worker's lease is found released (owner cleared), so the
// other worker takes it without waiting for expiry. How soon is a benchmark figure
// (bench/stream-consumer-failover.bench.ts), never asserted against the wall clock.
const config = {
  failoverMs: 6_000,
  renewIntervalMs: 2_000,
  takeIntervalMs: 1_000,
  idlePollMs: 50,
  backoffMs: 100,
  // Read errors back off from backoffMs, doubling up to this cap (default 5 s).
  maxBackoffMs: 1_000,
};
const keys = Array.from({ length: 50 }, (_, i) => `item-${i}`);

describe("SIGTERM: graceful hand-over", () => {
  const logFile = join(tmpdir(), `sigterm-${uniqueSuffix()}.log`);
  const children: Awaited<ReturnType<typeof spawnWorker>>[] = [];
  const tables = workerProcessTables(children, logFile);

  it("finishes the batch, checkpoints, releases the lease, and another worker takes it over", async () => {
    const journal = tableName(tables(), "journal");
    const streamArn = await streamArnOf(tables().client, journal);
    const leasesName = tableName(tables(), "leases");
    const store = new DynamoDbLeaseStore(tables().client, leasesName);
    for (const name of ["a", "b"])
      children.push(
        await spawnWorker({
          name,
          endpoint: awsOptions().endpoint,
          leasesTable: leasesName,
          streamArn,
          logFile,
          config,
        }),
      );
    await eventually(
      async () => (readLog(logFile).filter((l) => l.kind === "R").length === 2 ? true : undefined),
      { timeoutMs: 30_000, what: "both workers to start" },
    );
    for (let v = 1; v <= 3; v++) await writeVersion(tables().client, journal, keys, v);
    const holder = await eventually(
      async () => {
        if (missing(handledOf(readLog(logFile)), keys, 3).length > 0) return undefined;
        return (await store.list())[0]?.leaseOwner;
      },
      { what: "the first events to be handled" },
    );
    const stopping = children[holder === "a" ? 0 : 1];
    const other = holder === "a" ? "b" : "a";
    if (!stopping) throw new Error("no worker process");

    const sigtermAt = Date.now();
    stopping.kill("SIGTERM");
    expect(await exited(stopping)).toBe(0);
    const exitedAt = readLog(logFile).find((l) => l.kind === "X" && l.worker === holder)?.at;
    expect(exitedAt).toBeDefined();
    const afterExit = (await store.list())[0];
    expect(afterExit?.checkpoint).toMatch(/^\d+$/);
    // Released, not left to expire: no owner, or already the other worker.
    expect([undefined, other]).toContain(afterExit?.leaseOwner);

    for (let v = 4; v <= 6; v++) await writeVersion(tables().client, journal, keys, v);
    await eventually(
      async () => (missing(handledOf(readLog(logFile)), keys, 6).length === 0 ? true : undefined),
      { what: "the other worker to handle the rest" },
    );
    const taken = readLog(logFile).find(
      (l) => l.kind === "T" && l.worker === other && l.at >= sigtermAt,
    );
    expect(taken, "the other worker took the released lease").toBeDefined();
    expect((await store.list())[0]?.leaseOwner).toBe(other);
    const handled = handledOf(readLog(logFile));
    expect(orderViolations(handled)).toEqual([]);
    // Everything the stopped worker handled was checkpointed: nothing is handled twice.
    expect(handled).toHaveLength(keys.length * 6);
  });
});
