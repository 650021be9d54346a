/**
 * The life cycle of one shard consumer as an explicit state table (after KCL's ShardConsumer
 * states). Terminal states: FINISHED (SHARD_END checkpointed, children handed over), LEASE_LOST
 * (stopped before its next write), SHUT_DOWN (lease released on shutdown).
 */
export type ShardState =
  | "WAITING_ON_PARENTS"
  | "INITIALIZING"
  | "PROCESSING"
  | "SHARD_ENDING"
  | "TRIMMED"
  | "SHUTTING_DOWN"
  | "FINISHED"
  | "LEASE_LOST"
  | "SHUT_DOWN";

export type ShardEvent =
  | "PARENTS_FINISHED"
  | "ITERATOR_OPENED"
  | "ITERATOR_EXPIRED"
  | "SHARD_END_REACHED"
  | "SHARD_END_CHECKPOINTED"
  /** The position is older than the stream's retention (TrimmedDataAccess or shard gone). */
  | "TRIMMED"
  /** The trimmed-data policy healed the gap and asked to continue from TRIM_HORIZON. */
  | "RESUMED"
  | "LEASE_LOST"
  | "SHUTDOWN_REQUESTED"
  | "RELEASED";

const table: Readonly<Record<ShardState, Partial<Record<ShardEvent, ShardState>>>> = {
  WAITING_ON_PARENTS: {
    PARENTS_FINISHED: "INITIALIZING",
    LEASE_LOST: "LEASE_LOST",
    SHUTDOWN_REQUESTED: "SHUTTING_DOWN",
  },
  INITIALIZING: {
    ITERATOR_OPENED: "PROCESSING",
    ITERATOR_EXPIRED: "INITIALIZING",
    TRIMMED: "TRIMMED",
    LEASE_LOST: "LEASE_LOST",
    SHUTDOWN_REQUESTED: "SHUTTING_DOWN",
  },
  PROCESSING: {
    ITERATOR_OPENED: "PROCESSING",
    ITERATOR_EXPIRED: "INITIALIZING",
    SHARD_END_REACHED: "SHARD_ENDING",
    TRIMMED: "TRIMMED",
    LEASE_LOST: "LEASE_LOST",
    SHUTDOWN_REQUESTED: "SHUTTING_DOWN",
  },
  SHARD_ENDING: {
    SHARD_END_CHECKPOINTED: "FINISHED",
    LEASE_LOST: "LEASE_LOST",
    SHUTDOWN_REQUESTED: "SHUTTING_DOWN",
  },
  TRIMMED: {
    RESUMED: "INITIALIZING",
    SHARD_END_REACHED: "SHARD_ENDING",
    LEASE_LOST: "LEASE_LOST",
    SHUTDOWN_REQUESTED: "SHUTTING_DOWN",
  },
  SHUTTING_DOWN: { RELEASED: "SHUT_DOWN", LEASE_LOST: "LEASE_LOST" },
  FINISHED: {},
  LEASE_LOST: {},
  SHUT_DOWN: {},
};

/** The next state, or undefined when the event is not allowed in this state. */
export const transition = (state: ShardState, event: ShardEvent): ShardState | undefined =>
  table[state][event];

export const isTerminal = (state: ShardState): boolean => Object.keys(table[state]).length === 0;
