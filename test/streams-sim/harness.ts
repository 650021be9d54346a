import type { ConsumerConfig } from "../../services/streams/coordinator/config.js";
import {
  StreamWorker,
  type StreamWorkerOptions,
} from "../../services/streams/coordinator/stream-worker.js";
import { workerId } from "../../services/streams/leases/lease.js";
import type { LeaseStore } from "../../services/streams/leases/lease-store.js";
import type { ProcessBatch } from "../../services/streams/processing/process-batch.js";
import type { StreamClient, StreamRecord } from "../../services/streams/retrieval/stream-client.js";
import type { SimulatedStream } from "./simulated-stream.js";

export interface Handled {
  readonly key: string;
  readonly version: number;
  readonly by: string;
}

/** The key and version a test record carries (journal key attributes). */
export const keyOf = (r: StreamRecord): { key: string; version: number } => ({
  key: r.keys.aggregateId?.S ?? "",
  version: Number(r.keys.sequenceNumber?.N ?? "0"),
});

/** A shared log of handled records, and a trivial ProcessBatch per worker that appends to it. */
export const handledLog = () => {
  const log: Handled[] = [];
  const processBatch =
    (by: string): ProcessBatch =>
    async ({ records }) => {
      for (const r of records) log.push({ ...keyOf(r), by });
      const last = records.at(-1);
      return last ? { checkpointUpTo: last.sequenceNumber } : {};
    };
  return { log, processBatch };
};

/**
 * The worker "me" on a simulated stream, with fixed jitter and tokens so a run repeats; `options`
 * add or override the rest (clock, config, metrics, processBatch, …).
 */
export const workerOn = (
  stream: SimulatedStream,
  leases: LeaseStore,
  options: Partial<StreamWorkerOptions>,
): StreamWorker =>
  new StreamWorker({
    workerId: workerId("me"),
    streamArn: stream.streamArn,
    client: stream,
    leases,
    processBatch: handledLog().processBatch("me"),
    random: () => 0.5,
    newToken: () => "token",
    ...options,
  });

/**
 * Workers started on demand by name, each on the stream client and lease store the getters give
 * at that moment (a test may swap its lease table); `stopAll` shuts every one down.
 */
export const workerPool = (o: {
  readonly config: Partial<ConsumerConfig>;
  readonly client: () => StreamClient;
  readonly leases: () => LeaseStore;
}) => {
  const workers: StreamWorker[] = [];
  return {
    start: async (name: string, streamArn: string, processBatch: ProcessBatch) => {
      const w = new StreamWorker({
        workerId: workerId(name),
        streamArn,
        client: o.client(),
        leases: o.leases(),
        processBatch,
        config: o.config,
      });
      workers.push(w);
      await w.start();
      return w;
    },
    stopAll: async () => {
      for (const w of workers.splice(0)) await w.shutdown();
    },
  };
};

/**
 * Per-key order as the projection needs it: a version is never handled before the version
 * just below it was handled once (duplicates are fine: delivery is at least once).
 */
export const orderViolations = (log: readonly { key: string; version: number }[]): string[] => {
  const seen = new Set<string>();
  const violations: string[] = [];
  for (const { key, version } of log) {
    if (version > 1 && !seen.has(`${key}#${version - 1}`))
      violations.push(`${key} v${version} before v${version - 1}`);
    seen.add(`${key}#${version}`);
  }
  return violations;
};

/** Expected records never handled. */
export const missing = (
  log: readonly { key: string; version: number }[],
  keys: readonly string[],
  versions: number,
): string[] => {
  const seen = new Set(log.map((h) => `${h.key}#${h.version}`));
  const out: string[] = [];
  for (const k of keys)
    for (let v = 1; v <= versions; v++) if (!seen.has(`${k}#${v}`)) out.push(`${k}#${v}`);
  return out;
};

/**
 * Wraps an object so that, once frozen, every method call hangs forever: a worker cut off
 * from the world (a crash or a partition) without any chance to release its leases.
 */
export const freezable = <T extends object>(target: T): { value: T; freeze(): void } => {
  let frozen = false;
  const value = new Proxy(target, {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) =>
        frozen ? new Promise(() => {}) : (v as (...a: unknown[]) => unknown).apply(t, args);
    },
  });
  return {
    value,
    freeze: () => {
      frozen = true;
    },
  };
};

/** A key whose records go to `shardId` of the simulated stream. */
export const keyOn = (stream: SimulatedStream, shardId: string): string => {
  for (let i = 0; ; i++) if (stream.shardOf(`item-${i}`) === shardId) return `item-${i}`;
};
