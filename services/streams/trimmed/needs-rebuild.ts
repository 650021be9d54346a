/** Why what the consumer built from the stream can no longer be trusted and must be rebuilt from its source. */
export interface NeedsRebuild {
  readonly shardId: string;
  /** The checkpoint the consumer held when it found the data gone. */
  readonly checkpoint: string;
  readonly reason: string;
  readonly detectedAt: Date;
}

/** "Needs rebuild" markers: set on data loss, read by operators and the rebuild, cleared by it. */
export interface NeedsRebuildStore {
  mark(marker: NeedsRebuild): Promise<void>;
  list(): Promise<readonly NeedsRebuild[]>;
  /** After a rebuild from the source has healed what the consumer built. */
  clear(): Promise<void>;
}
