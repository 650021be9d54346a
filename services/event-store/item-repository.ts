import type { ResultAsync } from "neverthrow";
import { fold, type ItemEvent, type ItemState } from "../domain/item/index.js";
import type {
  AppendError,
  AppendResult,
  CommandContext,
  EventStore,
  ExpectedVersion,
} from "./event-store.js";

export interface LoadedItem {
  readonly state: ItemState;
  /** 0 when the item has no events. */
  readonly version: number;
}

/** What a retried command with the same Idempotency-Key gets back. */
export interface IdempotencyRecord {
  readonly key: string;
  /** Hash of the request (method, path, body): the same key with another request is refused. */
  readonly fingerprint: string;
  readonly response: {
    readonly status: number;
    readonly body: string;
    readonly headers: Readonly<Record<string, string>>;
  };
}

/**
 * Item aggregates as the command side sees them: state + version in, events out.
 * `save` conflicts are typed (`VersionConflict`): reload and decide again.
 */
export interface ItemRepository {
  load(itemId: string): Promise<LoadedItem>;
  save(
    itemId: string,
    expected: ExpectedVersion,
    events: readonly ItemEvent[],
    context: CommandContext,
    idempotency?: IdempotencyRecord,
  ): ResultAsync<AppendResult, AppendError>;
  findIdempotency(key: string): Promise<IdempotencyRecord | undefined>;
}

/** Full replay on every load; no snapshots, cache or idempotency (those come with the store). */
export class ReplayingItemRepository implements Omit<ItemRepository, "findIdempotency"> {
  constructor(private readonly store: EventStore) {}

  async load(itemId: string): Promise<LoadedItem> {
    const stream = await this.store.readStream(itemId);
    return { state: fold(stream.events.map((e) => e.event)), version: stream.version };
  }

  save(
    itemId: string,
    expected: ExpectedVersion,
    events: readonly ItemEvent[],
    context: CommandContext,
  ): ResultAsync<AppendResult, AppendError> {
    return this.store.append(itemId, expected, events, context);
  }
}
