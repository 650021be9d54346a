import { appendFileSync } from "node:fs";
import type { StreamWorkerOptions } from "../../services/streams/coordinator/stream-worker.js";
import { noMetrics } from "../../services/streams/metrics/consumer-metrics.js";

/** The settings a worker process was started with: its one JSON argument (spawnWorker). */
export const processSettings = <T>(): T => JSON.parse(process.argv[2] ?? "{}") as T;

/**
 * One worker's entries in the shared log file that worker-processes.ts reads back: a
 * tab-separated line per entry (kind, worker, fields, time). `write` appends many lines at once,
 * one write per batch, so a SIGKILL never splits a line.
 */
export const workerLog = (logFile: string, name: string) => {
  const line = (kind: string, ...fields: (string | number)[]) =>
    `${[kind, name, ...fields].join("\t")}\t${Date.now()}\n`;
  const write = (text: string) => appendFileSync(logFile, text);
  const observers: Pick<StreamWorkerOptions, "metrics" | "onError"> = {
    metrics: { ...noMetrics, leaseTaken: (shardId) => write(line("T", shardId)) },
    onError: (e, during) => write(line("E", `${during}: ${String(e)}`.replace(/\s+/g, " "))),
  };
  return { line, write, observers };
};
