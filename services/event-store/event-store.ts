import type { Actor, StoredEvent } from "./codec.js";

/** How an append checks the aggregate's current version. */
export type ExpectedVersion =
  | { readonly kind: "exact"; readonly version: number }
  | { readonly kind: "noStream" };

/** Who asked for the events: stored in every event's metadata. */
export interface CommandContext {
  readonly commandId: string;
  readonly correlationId: string;
  readonly now: Date;
  readonly actor: Actor;
}

export type AppendError =
  /** Another writer appended first; reload and decide again. */
  | { readonly kind: "VersionConflict"; readonly expected: ExpectedVersion }
  /** More events than one DynamoDB transaction can hold. */
  | { readonly kind: "TooManyEvents"; readonly count: number; readonly max: number };

export interface AppendResult {
  readonly version: number;
  readonly events: readonly StoredEvent[];
}

export interface LoadedStream {
  readonly version: number;
  readonly events: readonly StoredEvent[];
}

/**
 * The journal as its readers see it: command-side loads, gap healing, rebuilds, replays. Events
 * are written only through `ItemRepository.save` (one write path, `journal-append.ts`).
 */
export interface EventStore {
  /** All events of one aggregate after `afterVersion`, strongly consistent, in order. */
  readStream(aggregateId: string, afterVersion?: number): Promise<LoadedStream>;
}
