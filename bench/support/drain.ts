import type { ConsumerConfig } from "../../services/streams/coordinator/config.js";
import { StreamWorker } from "../../services/streams/coordinator/stream-worker.js";
import { workerId } from "../../services/streams/leases/lease.js";
import type { LeaseStore } from "../../services/streams/leases/lease-store.js";
import type { ProcessBatch } from "../../services/streams/processing/process-batch.js";
import type { StreamClient } from "../../services/streams/retrieval/stream-client.js";

export interface DrainOptions {
  readonly workers: number;
  /** Records to handle before the clock stops. */
  readonly total: number;
  readonly streamArn: string;
  readonly client: StreamClient;
  readonly leases: LeaseStore;
  readonly config?: Partial<ConsumerConfig>;
}

/** Starts the workers at once and resolves with the seconds until `total` records were handled. */
export const drain = async (o: DrainOptions): Promise<number> => {
  let handled = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const processBatch: ProcessBatch = async ({ records }) => {
    handled += records.length;
    if (handled >= o.total) done();
    return { checkpointUpTo: records.at(-1)?.sequenceNumber };
  };
  const started = performance.now();
  const workers = Array.from(
    { length: o.workers },
    (_, i) =>
      new StreamWorker({
        workerId: workerId(`bench-${i}`),
        streamArn: o.streamArn,
        client: o.client,
        leases: o.leases,
        processBatch,
        ...(o.config ? { config: o.config } : {}),
      }),
  );
  await Promise.all(workers.map((w) => w.start()));
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(workers.map((w) => w.shutdown()));
  return seconds;
};

export interface InterleavedOptions {
  /** Names the runs in the progress lines. */
  readonly label: string;
  /** Events each run drains (for the rate in the progress lines). */
  readonly events: number;
  readonly workerCounts: readonly number[];
  readonly repeats: number;
  /** One run: resolves with its seconds (usually `drain`'s). */
  readonly once: (workers: number, repeat: number) => Promise<number>;
}

/**
 * Runs every worker count `repeats` times, interleaved (1, 2, 4, 1, 2, 4, …) so machine drift
 * hits all counts alike; resolves with each count's seconds, one per repeat.
 */
export const interleaved = async (
  o: InterleavedOptions,
): Promise<ReadonlyMap<number, readonly number[]>> => {
  const seconds = new Map<number, number[]>(o.workerCounts.map((n) => [n, []]));
  for (let r = 0; r < o.repeats; r++)
    for (const n of o.workerCounts) {
      const s = await o.once(n, r);
      seconds.get(n)?.push(s);
      console.log(`${o.label}, ${n} worker(s): ${(o.events / s).toFixed(0)} events/s`);
    }
  return seconds;
};
