import { type Clock, systemClock } from "../../clock/clock.js";

/**
 * Liveness of a stream worker: the lease coordinator beats once per take/renew cycle, and each
 * held shard reports its own progress (a read answered, an idle poll, a batch attempt). Silence
 * of the coordinator or of any held shard means the worker is stuck, even while its leases are
 * still renewed. A worker holding no shards is idle, not stuck.
 */
export interface Heartbeat {
  /** The coordinator ran a take or renew cycle. */
  beat(): void;
  /** A shard was taken: from now on its own silence counts. */
  shardStarted(shardId: string): void;
  /** A held shard made progress; ignored for shards not (or no longer) held. */
  shardProgress(shardId: string): void;
  /** The shard's consumer ended (released, lost or finished): its silence no longer counts. */
  shardStopped(shardId: string): void;
  /** The shard's consumer ended while its lease is still held: unhealthy until `shardStopped`. */
  consumerEnded(shardId: string): void;
  /** Shards whose lease is held with no consumer running. */
  unreadShards(): readonly string[];
  /** The oldest of the coordinator's last beat and each held shard's last progress. */
  lastBeatAt(): Date;
}

export const createHeartbeat = (clock: Clock = systemClock): Heartbeat => {
  let last = clock.now();
  const shards = new Map<string, number>();
  const unread = new Set<string>();
  return {
    beat: () => {
      last = clock.now();
    },
    shardStarted: (shardId) => {
      shards.set(shardId, clock.now());
      unread.delete(shardId);
    },
    shardProgress: (shardId) => {
      if (shards.has(shardId)) shards.set(shardId, clock.now());
    },
    shardStopped: (shardId) => {
      shards.delete(shardId);
      unread.delete(shardId);
    },
    consumerEnded: (shardId) => {
      if (shards.has(shardId)) unread.add(shardId);
    },
    unreadShards: () => [...unread],
    lastBeatAt: () => new Date(Math.min(last, ...shards.values())),
  };
};

export type Health =
  | { readonly healthy: true; readonly lastProgressAt: Date; readonly silentForMs: number }
  | { readonly healthy: false; readonly lastProgressAt: Date; readonly silentForMs: number };

/** Pure: healthy while the last beat is at most `maxSilenceMs` old. */
export const healthOf = (lastBeatAt: Date, now: Date, maxSilenceMs: number): Health => {
  const silentForMs = Math.max(0, now.getTime() - lastBeatAt.getTime());
  return { healthy: silentForMs <= maxSilenceMs, lastProgressAt: lastBeatAt, silentForMs };
};
