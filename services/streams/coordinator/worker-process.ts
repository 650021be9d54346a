import type { Logger } from "../../logging/logger.js";
import { endLog } from "../../logging/logger.js";
import { healthApp, startHealthServer } from "../health/health-app.js";
import type { Heartbeat } from "../health/heartbeat.js";

/** What a stream application's process runs: a worker holding leases. */
export interface LeaseHoldingWorker {
  start(): Promise<void>;
  /** Finish the batch, checkpoint, release the leases. */
  shutdown(): Promise<void>;
  /** Release every lease without finishing: the fallback when shutdown fails. */
  releaseAll(): Promise<void>;
}

export interface WorkerProcessOptions {
  /** The deployable's name, for its log lines ("<name> started", "<name> stopping", …). */
  readonly name: string;
  readonly worker: LeaseHoldingWorker;
  readonly logger: Logger;
  readonly heartbeat: Heartbeat;
  readonly healthPort: number;
  readonly healthMaxSilenceMs: number;
  readonly shutdownGraceMs: number;
  /** Closed after the worker stopped (database pools and the like). */
  readonly close?: () => Promise<void>;
}

/**
 * The process shell of a stream application (ECS sends SIGTERM, then SIGKILL ~30 s later):
 * signal handlers are in place before anything is taken, a stop during start-up waits for the
 * start to settle and releases what it took, and the health endpoint answers only once the
 * worker runs. Exits the process when stopped; resolves with the health port once started.
 */
export const runWorkerProcess = async (
  o: WorkerProcessOptions,
): Promise<{ healthPort: number }> => {
  const { name, worker, logger } = o;
  let health: Awaited<ReturnType<typeof startHealthServer>> | undefined;
  const starting = worker.start();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Hard deadline: lease releases and a DescribeStream in flight are unbounded.
    setTimeout(() => {
      logger.error(`${name} shutdown deadline passed: exiting`);
      process.exit(1);
    }, o.shutdownGraceMs + 5_000).unref();
    logger.info({ signal }, `${name} stopping`);
    let code = 0;
    try {
      await starting.catch(() => {});
      await worker.shutdown();
      logger.info(`${name} stopped: leases released`);
    } catch (e) {
      code = 1;
      logger.error({ error: String(e) }, `${name} shutdown failed`);
      // Still free the leases, so other workers take the shards now rather than after failover.
      await worker.releaseAll();
    } finally {
      await health?.close().catch(() => {});
      await o.close?.().catch(() => {});
    }
    await endLog(logger);
    process.exit(code);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));

  await starting;
  health = await startHealthServer(
    healthApp({ heartbeat: o.heartbeat, maxSilenceMs: o.healthMaxSilenceMs }),
    o.healthPort,
  );
  return { healthPort: health.port };
};
