import { err, ok, type Result } from "neverthrow";
import { type Clock, systemClock } from "../clock/clock.js";

/** Why a task was not run: it was never started, so it changed nothing. */
export type Refusal =
  /** Its key already had `maxDepth` tasks waiting or running. */
  | { readonly kind: "QueueFull"; readonly depth: number }
  /** `maxInFlight` tasks were already admitted over all keys. */
  | { readonly kind: "TooManyInFlight"; readonly limit: number }
  /**
   * It could not have finished by its deadline: refused at once when the tasks ahead of it on
   * its key would take longer than that, or dropped while it waited.
   */
  | { readonly kind: "DeadlineExceeded" };

export interface AdmissionLimits {
  /** Tasks per key, the running one included; one more is refused at once. */
  readonly maxDepth: number;
  /** Tasks admitted (waiting or running) over all keys; one more is refused at once. */
  readonly maxInFlight: number;
  /**
   * Tasks running at once over all keys; the others wait their turn (and their deadline).
   * Bounds the load this process puts on its store, so admitted work finishes in time.
   */
  readonly maxRunning?: number;
}

export const DEFAULT_ADMISSION: AdmissionLimits = Object.freeze({
  maxDepth: 32,
  maxInFlight: 256,
  maxRunning: 32,
});

/**
 * How long a task runs, learnt as it goes (exponentially weighted; 0 until one has run). A
 * queued task is only worth keeping while the tasks ahead of it, and itself, can still end by
 * its deadline; waiting until the deadline itself would answer the client too late.
 */
const runTimeEstimate = (weight = 0.2) => {
  let estimate = 0;
  return {
    ms: () => estimate,
    record: (ms: number) => {
      estimate = estimate === 0 ? ms : estimate + weight * (ms - estimate);
    },
  };
};

/** Cancels a waiting task's timer. A reason of our own: the default builds a DOMException. */
const settled = "settled";

interface Entry {
  readonly deadline: number;
  started: boolean;
  readonly start: () => void;
  readonly drop: () => void;
}

export type PerKeyQueue = <T>(
  key: string,
  task: () => Promise<T>,
  /** On the clock's scale; a task still waiting then is dropped. Infinity: no deadline. */
  deadline?: number,
) => Promise<Result<T, Refusal>>;

/**
 * Runs tasks with the same key one after another, tasks with different keys concurrently.
 * Commands on one item inside one process then never race each other for the same version:
 * optimistic concurrency is left to settle races between processes only, and a hot item costs
 * one round trip per command instead of a storm of conflicts and retries.
 *
 * Bounded, so that a burst cannot queue without limit in memory: a task beyond the key's depth
 * or the global in-flight cap is refused at once, so is one that the tasks ahead of it on its
 * key would keep waiting past its deadline, and a waiting task is dropped (never run) as soon
 * as it could no longer end by its deadline, so its caller answers before the client gives up.
 * A task that has started always runs to its end. A task's own rejection goes to its caller
 * only.
 */
export const createPerKeyQueue = (
  limits: AdmissionLimits = DEFAULT_ADMISSION,
  clock: Clock = systemClock,
): PerKeyQueue => {
  const queues = new Map<string, Entry[]>();
  const maxRunning = limits.maxRunning ?? Number.POSITIVE_INFINITY;
  /** Keys whose head waits for a run slot, oldest first. */
  const waitingForSlot: string[] = [];
  let inFlight = 0;
  let running = 0;
  const runTime = runTimeEstimate();
  /** The last moment a task may start and still end by `deadline`, as far as we know. */
  const latestStart = (deadline: number) => deadline - runTime.ms();

  /** Starts the key's next task still within its deadline, when a run slot is free. */
  const advance = (key: string) => {
    const queue = queues.get(key);
    if (!queue) return;
    while (queue.length > 0 && !queue[0]?.started) {
      const head = queue[0] as Entry;
      if (clock.now() >= latestStart(head.deadline)) {
        head.drop();
        continue;
      }
      if (running < maxRunning) return head.start();
      if (!waitingForSlot.includes(key)) waitingForSlot.push(key);
      return;
    }
    if (queue.length === 0) queues.delete(key);
  };

  /** A run slot freed up: the keys that waited longest get it first. */
  const releaseSlot = () => {
    running -= 1;
    while (running < maxRunning && waitingForSlot.length > 0) {
      advance(waitingForSlot.shift() as string);
    }
  };

  return <T>(key: string, task: () => Promise<T>, deadline = Number.POSITIVE_INFINITY) => {
    const queue = queues.get(key) ?? [];
    if (queue.length >= limits.maxDepth) {
      return Promise.resolve(err<T, Refusal>({ kind: "QueueFull", depth: queue.length }));
    }
    if (inFlight >= limits.maxInFlight) {
      return Promise.resolve(
        err<T, Refusal>({ kind: "TooManyInFlight", limit: limits.maxInFlight }),
      );
    }
    // The tasks ahead of it on this key run one by one, then it does.
    if (clock.now() + queue.length * runTime.ms() >= latestStart(deadline)) {
      return Promise.resolve(err<T, Refusal>({ kind: "DeadlineExceeded" }));
    }
    inFlight += 1;
    queues.set(key, queue);
    return new Promise<Result<T, Refusal>>((resolve, reject) => {
      // Only a task still waiting after `advance` gets a deadline timer; most start at once.
      // `waiting` ends when it starts or is dropped (`advance` itself may drop it).
      let waiting = true;
      let timer: AbortController | undefined;
      const leave = () => {
        inFlight -= 1;
        const i = queue.indexOf(entry);
        if (i >= 0) queue.splice(i, 1);
      };
      const entry: Entry = {
        deadline,
        started: false,
        start: () => {
          waiting = false;
          entry.started = true;
          running += 1;
          timer?.abort(settled);
          const startedAt = clock.now();
          task()
            .then((value) => resolve(ok(value)), reject)
            .finally(() => {
              runTime.record(clock.now() - startedAt);
              leave();
              advance(key);
              releaseSlot();
            });
        },
        drop: () => {
          waiting = false;
          timer?.abort(settled);
          leave();
          resolve(err({ kind: "DeadlineExceeded" }));
        },
      };
      queue.push(entry);
      if (queue.length === 1) advance(key);
      if (!waiting || !Number.isFinite(deadline)) return;
      timer = new AbortController();
      void clock.sleep(latestStart(deadline) - clock.now(), timer.signal).then(() => {
        if (!waiting) return;
        const wasHead = queue[0] === entry;
        entry.drop();
        if (wasHead) advance(key);
        else if (queue.length === 0) queues.delete(key);
      });
    });
  };
};
