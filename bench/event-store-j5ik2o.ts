/**
 * Glue for event-store-adapter-js 2.2.94 (j5ik2o), used only by the event-store benchmark: its
 * tables (journal + snapshot, each with its aid/seq_nr GSI) and a minimal Item aggregate in the
 * shape the library asks for. Its events carry the same fields as ours (JSON, its default).
 */
import {
  CreateTableCommand,
  type DynamoDBClient,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import {
  type Aggregate,
  type AggregateId,
  type Event,
  EventStoreFactory,
} from "event-store-adapter-js";

export class J5ItemId implements AggregateId {
  readonly typeName = "Item";
  constructor(readonly value: string) {}
  asString(): string {
    return `${this.typeName}-${this.value}`;
  }
}

export class J5ItemEvent implements Event<J5ItemId> {
  readonly typeName = "StockReceived";
  constructor(
    readonly id: string,
    readonly aggregateId: J5ItemId,
    readonly sequenceNumber: number,
    readonly occurredAt: Date,
    readonly quantity: number,
    readonly correlationId: string,
    readonly causationId: string,
    readonly isCreated: boolean,
  ) {}
}

export class J5Item implements Aggregate<J5Item, J5ItemId> {
  readonly typeName = "Item";
  constructor(
    readonly id: J5ItemId,
    readonly sequenceNumber: number,
    readonly version: number,
    readonly stock: number,
  ) {}
  withVersion(version: number): J5Item {
    return new J5Item(this.id, this.sequenceNumber, version, this.stock);
  }
  updateVersion(f: (v: number) => number): J5Item {
    return this.withVersion(f(this.version));
  }
  apply(e: J5ItemEvent): J5Item {
    return new J5Item(this.id, e.sequenceNumber, this.version, this.stock + e.quantity);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the library hands converters untyped JSON.
export type Json = any;
/**
 * An event back from the library's JSON row: every field as stored, the id and the date rebuilt
 * (events are plain data, so this serves any event class of either benchmark).
 */
export const j5EventFromJson = <E extends Event<J5ItemId>>(json: Json): E => {
  const d = json.data;
  return {
    ...d,
    aggregateId: new J5ItemId(d.aggregateId.value),
    occurredAt: new Date(d.occurredAt),
  };
};
const snapshotConverter = (json: Json): J5Item => {
  const d = json.data;
  return new J5Item(new J5ItemId(d.id.value), d.sequenceNumber, d.version, d.stock);
};

const INDEXES = { journal: "journal-aid-index", snapshot: "snapshots-aid-index" } as const;

const createTable = async (client: DynamoDBClient, name: string, index: string) => {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: "pkey", KeyType: "HASH" },
        { AttributeName: "skey", KeyType: "RANGE" },
      ],
      AttributeDefinitions: [
        { AttributeName: "pkey", AttributeType: "S" },
        { AttributeName: "skey", AttributeType: "S" },
        { AttributeName: "aid", AttributeType: "S" },
        { AttributeName: "seq_nr", AttributeType: "N" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: index,
          KeySchema: [
            { AttributeName: "aid", KeyType: "HASH" },
            { AttributeName: "seq_nr", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: name });
};

/** The library's two tables (journal, snapshot) with the GSIs it reads through; their names. */
export const createJ5Tables = async (client: DynamoDBClient, prefix: string) => {
  const names = { journal: `${prefix}j5-journal`, snapshot: `${prefix}j5-snapshot` };
  await createTable(client, names.journal, INDEXES.journal);
  await createTable(client, names.snapshot, INDEXES.snapshot);
  return { ...names, journalIndex: INDEXES.journal, snapshotIndex: INDEXES.snapshot };
};

export const createJ5EventStore = async (client: DynamoDBClient, prefix: string) => {
  await createJ5Tables(client, prefix);
  return EventStoreFactory.ofDynamoDB<J5ItemId, J5Item, J5ItemEvent>(
    client,
    `${prefix}j5-journal`,
    `${prefix}j5-snapshot`,
    INDEXES.journal,
    INDEXES.snapshot,
    32,
    j5EventFromJson<J5ItemEvent>,
    snapshotConverter,
  );
};

export type J5Store = Awaited<ReturnType<typeof createJ5EventStore>>;

const freshItem = () => new J5Item(new J5ItemId(crypto.randomUUID()), 0, 1, 0);

/** Appends the next event the way the library's own examples do; returns the new aggregate. */
export const j5Append = async (
  j5: J5Store,
  item: J5Item,
  snapshotEvery: number,
): Promise<J5Item> => {
  const seq = item.sequenceNumber + 1;
  const e = new J5ItemEvent(
    crypto.randomUUID(),
    item.id,
    seq,
    new Date(),
    3,
    crypto.randomUUID(),
    crypto.randomUUID(),
    seq === 1,
  );
  const next = item.apply(e);
  if (seq === 1 || seq % snapshotEvery === 0) await j5.persistEventAndSnapshot(e, next);
  else await j5.persistEvent(e, item.version);
  // The library's snapshot row starts at version 1 on creation and counts every update.
  return next.withVersion(seq === 1 ? 1 : item.version + 1);
};

/** One new event per call; a fresh aggregate every `perAggregate` events. */
export const j5Appender = (j5: J5Store, perAggregate: number) => {
  let item = freshItem();
  return async (i: number) => {
    if (i % perAggregate === 0) item = freshItem();
    item = await j5Append(j5, item, Number.MAX_SAFE_INTEGER);
  };
};

export const fillJ5 = async (j5: J5Store, count: number, snapshotEvery: number) => {
  let item = freshItem();
  for (let seq = 1; seq <= count; seq++) item = await j5Append(j5, item, snapshotEvery);
  return item.id;
};

/** The library's load: latest snapshot (GSI), then the events after it (GSI, one page). */
export const j5Load = async (j5: J5Store, id: J5ItemId) => {
  const snapshot = await j5.getLatestSnapshotById(id);
  const events = await j5.getEventsByIdSinceSequenceNumber(id, (snapshot?.sequenceNumber ?? 0) + 1);
  return events.reduce((s, e) => s.apply(e), snapshot ?? new J5Item(id, 0, 1, 0));
};
