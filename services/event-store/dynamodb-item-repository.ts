import {
  type CancellationReason,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { LRUCache } from "lru-cache";
import { errAsync, okAsync, ResultAsync } from "neverthrow";
import { type Clock, systemClock } from "../clock/clock.js";
import { fold, type ItemEvent, type ItemState, initialState } from "../domain/item/index.js";
import { newId as newUuid } from "../ids/new-id.js";
import { type Logger, silentLogger } from "../logging/logger.js";
import type { AppendResult, ExpectedVersion } from "./event-store.js";
import { idempotencyKey, idempotencyPut, idempotencyRecordOf } from "./idempotency-items.js";
import type {
  IdempotencyRecord,
  ItemRepository,
  LoadedItem,
  LoadOptions,
  SaveError,
} from "./item-repository.js";
import { matchIdempotency } from "./item-repository.js";
import { baseVersionOf, MAX_TRANSACTION_ITEMS, queryJournal } from "./journal.js";
import { appendToJournal } from "./journal-append.js";
import {
  snapshotDue,
  snapshotKey,
  snapshotOf,
  snapshotPut,
  usableSnapshot,
} from "./snapshot-items.js";

/** Physical names of the three tables the repository uses. */
export interface ItemRepositoryTables {
  readonly journal: string;
  readonly snapshots: string;
  readonly idempotency: string;
}

export interface DynamoDbItemRepositoryOptions {
  readonly client: DynamoDBClient;
  readonly tableNames: ItemRepositoryTables;
  /** A snapshot every this many events (0 = never). */
  readonly snapshotEvery?: number;
  /** Keep the states of up to `maxItems` recently used aggregates in memory (LRU). */
  readonly cache?: { readonly maxItems: number };
  /** How long an Idempotency-Key is remembered (DynamoDB TTL attribute `expiresAt`). */
  readonly idempotencyTtlSeconds?: number;
  readonly newEventId?: () => string;
  /** Only used to ignore expired idempotency rows on read. */
  readonly clock?: Clock;
  /** Where a failed (best-effort) snapshot write is reported. */
  readonly logger?: Logger;
}

const DEFAULTS = Object.freeze({
  snapshotEvery: 100,
  idempotencyTtlSeconds: 24 * 60 * 60,
  newEventId: newUuid,
  clock: systemClock,
  logger: silentLogger,
});

type Settings = Required<Omit<DynamoDbItemRepositoryOptions, "cache">>;
type KnownState = { readonly state: ItemState; readonly version: number };

/**
 * Item aggregates on DynamoDB: journal + snapshot table + idempotency table. A save of one event
 * is one conditional PutItem; several events or an idempotency row take one transaction. The
 * snapshot is a cache written after the events (see docs/event-store.md). With `cache`, a load
 * of a warm aggregate costs no round trip and a save exactly one; a stale entry (another
 * process wrote) fails the save's condition, is evicted, and the caller's reload reads the tables.
 */
export class DynamoDbItemRepository implements ItemRepository {
  private readonly settings: Settings;
  private readonly states: LRUCache<string, KnownState> | undefined;

  constructor(options: DynamoDbItemRepositoryOptions) {
    this.settings = { ...DEFAULTS, ...options };
    this.states = options.cache ? new LRUCache({ max: options.cache.maxItems }) : undefined;
  }

  async load(itemId: string, options: LoadOptions = {}): Promise<LoadedItem> {
    const hit = options.fresh ? undefined : this.states?.get(itemId);
    if (hit) return { ...hit, cached: true };
    const loaded = await this.readTables(itemId);
    // A save in this process may have cached a newer version while we were reading.
    const current = this.states?.peek(itemId);
    if (!current || current.version <= loaded.version) this.states?.set(itemId, loaded);
    return loaded;
  }

  /** Latest usable snapshot, then the journal after it (both strongly consistent). */
  private async readTables(itemId: string): Promise<KnownState> {
    const { client, tableNames } = this.settings;
    const out = await client.send(
      new GetItemCommand({
        TableName: tableNames.snapshots,
        Key: snapshotKey(itemId),
        ConsistentRead: true,
      }),
    );
    const snapshot = usableSnapshot(out.Item);
    const from = snapshot?.version ?? 0;
    const stream = await queryJournal(client, tableNames.journal, itemId, from);
    return {
      state: fold(
        stream.events.map((e) => e.event),
        snapshot?.state,
      ),
      version: stream.version,
    };
  }

  async findIdempotency(key: string): Promise<IdempotencyRecord | undefined> {
    const out = await this.settings.client.send(
      new GetItemCommand({
        TableName: this.settings.tableNames.idempotency,
        Key: idempotencyKey(key),
        ConsistentRead: true,
      }),
    );
    return idempotencyRecordOf(out.Item, new Date(this.settings.clock.now()));
  }

  readonly save: ItemRepository["save"] = (itemId, expected, events, context, idempotency) => {
    const max = MAX_TRANSACTION_ITEMS - (idempotency ? 1 : 0);
    if (events.length > max) return errAsync({ kind: "TooManyEvents", count: events.length, max });
    const base = baseVersionOf(expected);
    if (events.length === 0 && !idempotency) return okAsync({ version: base, events: [] });
    const { client, tableNames, newEventId, idempotencyTtlSeconds } = this.settings;
    const alongside = idempotency
      ? [
          idempotencyPut({
            tableName: tableNames.idempotency,
            record: idempotency,
            aggregateId: itemId,
            now: context.now,
            ttlSeconds: idempotencyTtlSeconds,
          }),
        ]
      : [];
    const appended = appendToJournal({
      client,
      journalTable: tableNames.journal,
      aggregateId: itemId,
      base,
      events,
      context,
      newEventId,
      alongside,
    });
    return appended
      .orElse((reasons) =>
        ResultAsync.fromSafePromise(
          this.classify(itemId, expected, reasons, idempotency, context.now),
        ).andThen((error) => errAsync<never, SaveError>(error)),
      )
      .andThen((stored) => {
        const version = base + stored.length;
        const after = this.remember(itemId, base, events);
        const result: AppendResult = { version, events: stored };
        if (!snapshotDue(base, version, this.settings.snapshotEvery)) return okAsync(result);
        return ResultAsync.fromSafePromise(
          this.writeSnapshot(itemId, after, context.now).then(() => result),
        );
      });
  };

  /**
   * Best effort, after the events committed: a snapshot is only a cache. It is conditioned on
   * being newer than the stored one; a failure (or a crash before it) leaves an older snapshot
   * and a load replays a few more events, never a wrong state. Without the state at hand
   * (no cache), it is read back, consistently.
   */
  private async writeSnapshot(itemId: string, known: KnownState | undefined, now: Date) {
    const { client, tableNames, logger } = this.settings;
    try {
      const { state, version } = known ?? (await this.readTables(itemId));
      const snapshot = snapshotOf({ aggregateId: itemId, version, state, now });
      if (snapshot)
        await client.send(new PutItemCommand(snapshotPut(tableNames.snapshots, snapshot)));
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return; // a newer one is stored
      logger.warn({ err: e, itemId }, "snapshot not written (the events are; loads replay more)");
    }
  }

  /** Moves the cached state forward after a successful save (or drops it if unknown). */
  private remember(
    itemId: string,
    base: number,
    events: readonly ItemEvent[],
  ): KnownState | undefined {
    if (!this.states) return undefined;
    const hit = this.states.get(itemId);
    const known = hit?.version === base ? hit.state : base === 0 ? initialState() : undefined;
    if (known === undefined) {
      this.states.delete(itemId);
      return undefined;
    }
    const after = { state: fold(events, known), version: base + events.length };
    this.states.set(itemId, after);
    return after;
  }

  /** Why the write was refused: a known idempotency key wins over a version conflict. */
  private async classify(
    itemId: string,
    expected: ExpectedVersion,
    reasons: readonly CancellationReason[],
    idempotency: IdempotencyRecord | undefined,
    now: Date,
  ): Promise<SaveError> {
    const last = reasons.at(-1);
    if (idempotency && last?.Code === "ConditionalCheckFailed") {
      const stored =
        idempotencyRecordOf(last.Item, now) ?? (await this.findIdempotency(idempotency.key));
      if (stored) return matchIdempotency(stored, idempotency.fingerprint);
    }
    this.states?.delete(itemId);
    return { kind: "VersionConflict", expected };
  }
}
