import { appendFileSync } from "node:fs";
import type { ConsumerConfig } from "../../services/streams/coordinator/config.js";
import {
  StreamWorker,
  type StreamWorkerOptions,
} from "../../services/streams/coordinator/stream-worker.js";
import { workerId } from "../../services/streams/leases/lease.js";
import type { LeaseStore } from "../../services/streams/leases/lease-store.js";
import { noMetrics } from "../../services/streams/metrics/consumer-metrics.js";
import {
  type HandlerInput,
  simpleProcessBatch,
} from "../../services/streams/processing/process-batch.js";
import type { StreamClient } from "../../services/streams/retrieval/stream-client.js";
import { keyOf } from "./harness.js";

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

/** What every logged worker process is started with, whatever stream it reads. */
export interface LoggedWorkerSettings {
  readonly name: string;
  readonly leasesTable: string;
  readonly streamArn: string;
  readonly logFile: string;
  readonly config: Partial<ConsumerConfig>;
}

/**
 * Runs a StreamWorker in this process and logs it: R once started, H per handled record (after
 * `project`, if any, ran on its batch), X once a SIGTERM stopped it and `close` ran.
 */
export const runLoggedWorker = async (
  s: LoggedWorkerSettings,
  parts: {
    readonly client: StreamClient;
    readonly leases: LeaseStore;
    readonly project?: (input: HandlerInput) => Promise<unknown>;
    readonly close?: () => Promise<void>;
  },
): Promise<void> => {
  const { line, write, observers } = workerLog(s.logFile, s.name);
  const worker = new StreamWorker({
    workerId: workerId(s.name),
    streamArn: s.streamArn,
    client: parts.client,
    leases: parts.leases,
    processBatch: simpleProcessBatch(async (input) => {
      await parts.project?.(input);
      const handled = input.records.map((r) =>
        line("H", keyOf(r).key, keyOf(r).version, input.shardId),
      );
      write(handled.join(""));
      return undefined;
    }),
    config: s.config,
    ...observers,
  });
  process.once("SIGTERM", () => {
    void worker.shutdown().then(async () => {
      await parts.close?.();
      write(line("X"));
      process.exit(0);
    });
  });
  await worker.start();
  write(line("R"));
};
