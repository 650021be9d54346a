import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  paginateQuery,
  paginateScan,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { type Backoff, backoffDelay } from "../../backoff/backoff.js";
import { type Clock, systemClock } from "../../clock/clock.js";
import { parkedTable } from "../../tables/definitions.js";
import type { ParkReason } from "../processing/retry-policy.js";
import type { BlockedAggregate, ParkedRecord, ParkingStore } from "./parking-store.js";

type Item = Record<string, AttributeValue>;

const PK = parkedTable.partitionKey.name;
const SK = parkedTable.sortKey.name;
/** Sort key of an aggregate's block item; it sorts before every record ("#" < "r"). */
const BLOCK_KEY = "#blocked";
const RECORD_PREFIX = "r#";

const s = (item: Item, name: string): string | undefined => item[name]?.S;
const date = (item: Item, name: string): Date | undefined => {
  const v = s(item, name);
  return v ? new Date(v) : undefined;
};

const recordItem = (p: ParkedRecord): Item => ({
  [PK]: { S: p.aggregateKey },
  [SK]: { S: `${RECORD_PREFIX}${p.position}` },
  shardId: { S: p.shardId },
  streamSequenceNumber: { S: p.record.sequenceNumber },
  approximateCreationTime: { S: p.record.approximateCreationTime.toISOString() },
  keys: { M: p.record.keys },
  ...(p.record.newImage ? { newImage: { M: p.record.newImage } } : {}),
  reason: { S: p.reason },
  attempts: { N: String(p.attempts) },
  parkedAt: { S: p.parkedAt.toISOString() },
  ...(p.error !== undefined ? { error: { S: p.error } } : {}),
  ...(p.firstFailedAt ? { firstFailedAt: { S: p.firstFailedAt.toISOString() } } : {}),
});

const parkedOfItem = (item: Item): ParkedRecord => {
  const error = s(item, "error");
  const firstFailedAt = date(item, "firstFailedAt");
  const newImage = item.newImage?.M;
  return {
    aggregateKey: s(item, PK) ?? "",
    position: (s(item, SK) ?? "").slice(RECORD_PREFIX.length),
    shardId: s(item, "shardId") ?? "",
    record: {
      sequenceNumber: s(item, "streamSequenceNumber") ?? "",
      approximateCreationTime: date(item, "approximateCreationTime") ?? new Date(0),
      keys: item.keys?.M ?? {},
      ...(newImage ? { newImage } : {}),
    },
    reason: (s(item, "reason") ?? "RetryAttemptsExhausted") as ParkReason,
    attempts: Number(item.attempts?.N ?? "0"),
    parkedAt: date(item, "parkedAt") ?? new Date(0),
    ...(error !== undefined ? { error } : {}),
    ...(firstFailedAt ? { firstFailedAt } : {}),
  };
};

const blockOfItem = (item: Item): BlockedAggregate => ({
  aggregateKey: s(item, PK) ?? "",
  version: Number(item.version?.N ?? "0"),
  firstParkedAt: date(item, "firstParkedAt") ?? new Date(0),
  lastParkedAt: date(item, "lastParkedAt") ?? new Date(0),
});

const chunks = <T>(xs: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / size) }, (_, i) =>
    xs.slice(i * size, i * size + size),
  );

/** Backoff before re-sending unprocessed keys: up to 50, 100, 200 … 2000 ms. */
const unprocessedKeysBackoff: Backoff = Object.freeze({
  initialMs: 50,
  maxMs: 2_000,
  multiplier: 2,
});

export interface DynamoDbParkingStoreOptions {
  /** Waits before re-sending unprocessed keys. */
  readonly clock?: Clock;
  /** Jitter of that wait: a uniform number in [0, 1). */
  readonly random?: () => number;
}

/**
 * The parked table: per aggregate one block item (sort key `#blocked`, a version counter) and
 * one item per parked record (sort key `r#<position>`, so a Query returns them in order).
 * A record and its block are written in one transaction; reads are strongly consistent so a
 * worker taking over a shard sees blocks another worker wrote.
 */
export class DynamoDbParkingStore implements ParkingStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly options: DynamoDbParkingStoreOptions = {},
  ) {}

  async blockedAmong(aggregateKeys: readonly string[]): Promise<ReadonlySet<string>> {
    const blocked = new Set<string>();
    const readChunk = async (chunk: readonly string[]) => {
      let keys: Item[] | undefined = chunk.map((k) => ({ [PK]: { S: k }, [SK]: { S: BLOCK_KEY } }));
      for (let round = 0; keys && keys.length > 0; round++) {
        // Unprocessed keys mean the table is throttled: back off before asking again.
        if (round > 0) {
          const { clock = systemClock, random = Math.random } = this.options;
          await clock.sleep(backoffDelay(unprocessedKeysBackoff, round, random()));
        }
        const out: BatchGetItemCommandOutput = await this.client.send(
          new BatchGetItemCommand({
            RequestItems: {
              [this.tableName]: { Keys: keys, ConsistentRead: true, ProjectionExpression: PK },
            },
          }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const k = s(item, PK);
          if (k) blocked.add(k);
        }
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    };
    // BatchGetItem takes at most 100 keys; read the chunks of a large batch in parallel.
    await Promise.all(chunks([...new Set(aggregateKeys)], 100).map(readChunk));
    return blocked;
  }

  async park(parked: ParkedRecord): Promise<void> {
    const write = this.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: recordItem(parked),
              // A redelivered record must not overwrite the first copy (its error and attempts).
              ConditionExpression: "attribute_not_exists(#sk)",
              ExpressionAttributeNames: { "#sk": SK },
            },
          },
          {
            Update: {
              TableName: this.tableName,
              Key: { [PK]: { S: parked.aggregateKey }, [SK]: { S: BLOCK_KEY } },
              UpdateExpression:
                "SET firstParkedAt = if_not_exists(firstParkedAt, :t), lastParkedAt = :t ADD version :one",
              ExpressionAttributeValues: {
                ":t": { S: parked.parkedAt.toISOString() },
                ":one": { N: "1" },
              },
            },
          },
        ],
      }),
    );
    await write.catch((e: unknown) => {
      const alreadyParked =
        e instanceof TransactionCanceledException &&
        e.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed";
      if (!alreadyParked) throw e;
    });
  }

  async listBlocked(): Promise<readonly BlockedAggregate[]> {
    const blocks: BlockedAggregate[] = [];
    const pages = paginateScan(
      { client: this.client },
      {
        TableName: this.tableName,
        ConsistentRead: true,
        FilterExpression: "#sk = :block",
        ExpressionAttributeNames: { "#sk": SK },
        ExpressionAttributeValues: { ":block": { S: BLOCK_KEY } },
      },
    );
    for await (const page of pages) blocks.push(...(page.Items ?? []).map(blockOfItem));
    return blocks.sort((a, b) => a.firstParkedAt.getTime() - b.firstParkedAt.getTime());
  }

  async parkedOf(aggregateKey: string) {
    let block: BlockedAggregate | undefined;
    const records: ParkedRecord[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        ConsistentRead: true,
        KeyConditionExpression: "#pk = :pk",
        ExpressionAttributeNames: { "#pk": PK },
        ExpressionAttributeValues: { ":pk": { S: aggregateKey } },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const sk = s(item, SK) ?? "";
        if (sk === BLOCK_KEY) block = blockOfItem(item);
        else if (sk.startsWith(RECORD_PREFIX)) records.push(parkedOfItem(item));
      }
    }
    return block ? { block, records } : { records };
  }

  /** The records are already committed or dropped, so any subset may go first: in parallel. */
  async remove(aggregateKey: string, positions: readonly string[]): Promise<void> {
    await Promise.all(
      positions.map((position) =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.tableName,
            Key: { [PK]: { S: aggregateKey }, [SK]: { S: `${RECORD_PREFIX}${position}` } },
          }),
        ),
      ),
    );
  }

  async unblock(aggregateKey: string, version: number): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { [PK]: { S: aggregateKey }, [SK]: { S: BLOCK_KEY } },
          ConditionExpression: "version = :v",
          ExpressionAttributeValues: { ":v": { N: String(version) } },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }
}
