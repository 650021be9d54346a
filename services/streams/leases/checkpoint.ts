import type { IteratorPosition } from "../retrieval/stream-client.js";

/** Where a shard's consumer resumes: a sequence number, or one of KCL's sentinels. */
export type Checkpoint = string;

/** A new lease starts at the oldest record still in the stream. */
export const TRIM_HORIZON = "TRIM_HORIZON";
/** The shard is closed and every record was processed: its children may start. */
export const SHARD_END = "SHARD_END";

/** Sequence numbers are decimal digits, so they never collide with the sentinels. */
export const isSequenceNumber = (c: Checkpoint): boolean => /^\d+$/.test(c);

/** Where to open an iterator for a checkpoint (undefined at SHARD_END: nothing left to read). */
export const iteratorPositionOf = (c: Checkpoint): IteratorPosition | undefined => {
  if (c === SHARD_END) return undefined;
  if (isSequenceNumber(c)) return { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: c };
  return { type: "TRIM_HORIZON" };
};
