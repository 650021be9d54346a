import type { ResultAsync } from "neverthrow";
import type { ItemEvent, ItemState } from "../domain/item/index.js";
import type { AppendError, AppendResult, CommandContext, ExpectedVersion } from "./event-store.js";

export interface LoadedItem {
  readonly state: ItemState;
  /** 0 when the item has no events. */
  readonly version: number;
  /**
   * True when served from the in-process cache: possibly stale. A save at this version fails
   * with `VersionConflict` if it is; a rejection decided on it should be confirmed with a
   * `{ fresh: true }` load before it is reported.
   */
  readonly cached?: boolean;
}

export interface LoadOptions {
  /** Bypass the cache: read the latest snapshot and the journal after it. */
  readonly fresh?: boolean;
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

export type SaveError =
  | AppendError
  /**
   * The Idempotency-Key is already stored (by an earlier or a concurrent request); nothing was
   * written. `sameRequest` (equal fingerprints): answer with `record.response`. Otherwise the
   * key was reused for another request: refuse it (HTTP 422).
   */
  | {
      readonly kind: "IdempotencyKeyReused";
      readonly key: string;
      readonly record: IdempotencyRecord;
      readonly sameRequest: boolean;
    };

/** How a stored record relates to a request carrying the same key and `fingerprint`. */
export const matchIdempotency = (
  record: IdempotencyRecord,
  fingerprint: string,
): Extract<SaveError, { kind: "IdempotencyKeyReused" }> => ({
  kind: "IdempotencyKeyReused",
  key: record.key,
  record,
  sameRequest: record.fingerprint === fingerprint,
});

/**
 * Item aggregates as the command side sees them: state + version in, events out.
 * `save` writes the events, any due snapshot and the idempotency record in one transaction:
 * all or nothing. Conflicts are typed (`VersionConflict`: load again and decide again;
 * `IdempotencyKeyReused`: replay or refuse, see SaveError); infrastructure faults reject.
 */
export interface ItemRepository {
  load(itemId: string, options?: LoadOptions): Promise<LoadedItem>;
  save(
    itemId: string,
    expected: ExpectedVersion,
    events: readonly ItemEvent[],
    context: CommandContext,
    idempotency?: IdempotencyRecord,
  ): ResultAsync<AppendResult, SaveError>;
  /** The unexpired record stored under `key`, if any (strongly consistent). */
  findIdempotency(key: string): Promise<IdempotencyRecord | undefined>;
}
