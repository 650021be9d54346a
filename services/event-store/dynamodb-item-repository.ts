import {
  type CancellationReason,
  type DynamoDBClient,
  GetItemCommand,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import { LRUCache } from "lru-cache";
import { errAsync, okAsync, ResultAsync } from "neverthrow";
import { v7 as uuidv7 } from "uuid";
import { fold, type ItemEvent, type ItemState, initialState } from "../domain/item/index.js";
import type { AppendResult, CommandContext, ExpectedVersion } from "./event-store.js";
import { idempotencyKey, idempotencyPut, idempotencyRecordOf } from "./idempotency-items.js";
import type {
  IdempotencyRecord,
  ItemRepository,
  LoadedItem,
  LoadOptions,
  SaveError,
} from "./item-repository.js";
import { matchIdempotency } from "./item-repository.js";
import {
  atAnyVersion,
  baseVersionOf,
  journalPut,
  MAX_TRANSACTION_ITEMS,
  queryJournal,
  stampEvents,
  transactJournal,
} from "./journal.js";
import {
  snapshotDue,
  snapshotFor,
  snapshotKey,
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
  readonly clock?: () => Date;
}

const DEFAULTS = Object.freeze({
  snapshotEvery: 100,
  idempotencyTtlSeconds: 24 * 60 * 60,
  newEventId: uuidv7,
  clock: () => new Date(),
});

type CachedItem = { readonly state: ItemState; readonly version: number };

/**
 * Item aggregates on DynamoDB: journal + snapshot table + idempotency table, one transaction
 * per save. With `cache`, a load of a warm aggregate costs no round trip and a save exactly
 * one; a stale entry (another process wrote) fails the save's condition, is evicted, and the
 * caller's reload reads the tables.
 */
export class DynamoDbItemRepository implements ItemRepository {
  private readonly o: Required<Omit<DynamoDbItemRepositoryOptions, "cache">>;
  private readonly cache: LRUCache<string, CachedItem> | undefined;

  constructor(options: DynamoDbItemRepositoryOptions) {
    this.o = { ...DEFAULTS, ...options };
    this.cache = options.cache ? new LRUCache({ max: options.cache.maxItems }) : undefined;
  }

  async load(itemId: string, options: LoadOptions = {}): Promise<LoadedItem> {
    const hit = options.fresh ? undefined : this.cache?.get(itemId);
    if (hit) return { ...hit, cached: true };
    const loaded = await this.readTables(itemId);
    // A save in this process may have cached a newer version while we were reading.
    const current = this.cache?.peek(itemId);
    if (!current || current.version <= loaded.version) this.cache?.set(itemId, loaded);
    return loaded;
  }

  /** Latest usable snapshot, then the journal after it (both strongly consistent). */
  private async readTables(itemId: string): Promise<CachedItem> {
    const out = await this.o.client.send(
      new GetItemCommand({
        TableName: this.o.tableNames.snapshots,
        Key: snapshotKey(itemId),
        ConsistentRead: true,
      }),
    );
    const snapshot = usableSnapshot(out.Item);
    const from = snapshot?.version ?? 0;
    const stream = await queryJournal(this.o.client, this.o.tableNames.journal, itemId, from);
    return {
      state: fold(
        stream.events.map((e) => e.event),
        snapshot?.state,
      ),
      version: stream.version,
    };
  }

  async findIdempotency(key: string): Promise<IdempotencyRecord | undefined> {
    const out = await this.o.client.send(
      new GetItemCommand({
        TableName: this.o.tableNames.idempotency,
        Key: idempotencyKey(key),
        ConsistentRead: true,
      }),
    );
    return idempotencyRecordOf(out.Item, this.o.clock());
  }

  /** Events that fit one transaction next to the snapshot and idempotency rows. */
  private maxEventsPerSave(withIdempotency: boolean): number {
    return MAX_TRANSACTION_ITEMS - (this.o.snapshotEvery > 0 ? 1 : 0) - (withIdempotency ? 1 : 0);
  }

  save(
    itemId: string,
    expected: ExpectedVersion,
    events: readonly ItemEvent[],
    context: CommandContext,
    idempotency?: IdempotencyRecord,
  ): ResultAsync<AppendResult, SaveError> {
    const max = this.maxEventsPerSave(idempotency !== undefined);
    if (events.length > max) return errAsync({ kind: "TooManyEvents", count: events.length, max });
    const base = baseVersionOf(expected);
    if (base === undefined) {
      return atAnyVersion(
        async () => (await this.load(itemId, { fresh: true })).version,
        (exact) => this.save(itemId, exact, events, context, idempotency),
      );
    }
    if (events.length === 0 && !idempotency) return okAsync({ version: base, events: [] });
    return ResultAsync.fromSafePromise(this.stateForSnapshot(itemId, base, events.length)).andThen(
      (stateAtBase) =>
        stateAtBase === "conflict"
          ? errAsync<AppendResult, SaveError>({ kind: "VersionConflict", expected })
          : this.write(itemId, expected, base, stateAtBase, events, context, idempotency),
    );
  }

  /**
   * The state at `base` when this save is due a snapshot (`undefined` if none is due). Taken
   * from the cache when it holds exactly `base`, else read; "conflict" if the tables have moved.
   */
  private async stateForSnapshot(
    itemId: string,
    base: number,
    count: number,
  ): Promise<ItemState | undefined | "conflict"> {
    if (!snapshotDue(base, base + count, this.o.snapshotEvery)) return undefined;
    const hit = this.cache?.get(itemId);
    if (hit?.version === base) return hit.state;
    const loaded = await this.readTables(itemId);
    return loaded.version === base ? loaded.state : "conflict";
  }

  private write(
    itemId: string,
    expected: ExpectedVersion,
    base: number,
    stateAtBase: ItemState | undefined,
    events: readonly ItemEvent[],
    context: CommandContext,
    idempotency: IdempotencyRecord | undefined,
  ): ResultAsync<AppendResult, SaveError> {
    const { tableNames } = this.o;
    const stored = stampEvents(itemId, base, events, context, this.o.newEventId);
    const snapshot =
      stateAtBase &&
      snapshotFor({
        aggregateId: itemId,
        base,
        stateAtBase,
        events,
        every: this.o.snapshotEvery,
        now: context.now,
      });
    const items: TransactWriteItem[] = [
      ...stored.map((s) => journalPut(tableNames.journal, s)),
      ...(snapshot ? [snapshotPut(tableNames.snapshots, snapshot)] : []),
      ...(idempotency
        ? [
            idempotencyPut({
              tableName: tableNames.idempotency,
              record: idempotency,
              aggregateId: itemId,
              now: context.now,
              ttlSeconds: this.o.idempotencyTtlSeconds,
            }),
          ]
        : []),
    ];
    return transactJournal(this.o.client, items)
      .map((): AppendResult => {
        this.remember(itemId, base, stateAtBase, events);
        return { version: base + stored.length, events: stored };
      })
      .orElse((reasons) =>
        ResultAsync.fromSafePromise(
          this.classify(itemId, expected, reasons, idempotency, context.now),
        ).andThen((error) => errAsync<AppendResult, SaveError>(error)),
      );
  }

  /** Moves the cached state forward after a successful save (or drops it if unknown). */
  private remember(
    itemId: string,
    base: number,
    stateAtBase: ItemState | undefined,
    events: readonly ItemEvent[],
  ): void {
    if (!this.cache) return;
    const hit = this.cache.get(itemId);
    const known =
      stateAtBase ?? (hit?.version === base ? hit.state : base === 0 ? initialState() : undefined);
    if (known === undefined) this.cache.delete(itemId);
    else this.cache.set(itemId, { state: fold(events, known), version: base + events.length });
  }

  /** Why the transaction was cancelled: a known idempotency key wins over a version conflict. */
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
    this.cache?.delete(itemId);
    return { kind: "VersionConflict", expected };
  }
}
