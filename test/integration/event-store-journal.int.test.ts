import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DiscontinueReason, ItemEvent } from "../../services/domain/item/index.js";
import { DynamoDbEventStore } from "../../services/event-store/dynamodb-event-store.js";
import type { CommandContext } from "../../services/event-store/event-store.js";
import { journalPut, stampEvents } from "../../services/event-store/journal.js";
import { appendToJournal } from "../../services/event-store/journal-append.js";
import { journalTable } from "../../services/tables/definitions.js";
import { discontinued, newItemId as newId, received, registered } from "../support/events.js";
import type { TestTables } from "../support/infra.js";
import { createTestTables, tableName, testDynamoDb } from "../support/infra.js";

const context = (n = 0): CommandContext => ({
  commandId: `cmd-${n}`,
  correlationId: `corr-${n}`,
  now: new Date("2026-03-01T00:00:00Z"),
  actor: { subject: "test-user" },
});
/** Names of the operations a real client sends (observed by a middleware, not mocked). */
const recordOperations = (client: DynamoDBClient): string[] => {
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, ctx) => (args) => {
      sent.push(String(ctx.commandName));
      return next(args);
    },
    { step: "initialize" },
  );
  return sent;
};

describe("DynamoDB journal", () => {
  let tables: TestTables;
  let store: DynamoDbEventStore;
  /** The one write core, as the repository calls it; a failed condition → VersionConflict. */
  const append = (
    id: string,
    base: number,
    events: readonly ItemEvent[],
    ctx: CommandContext,
    client: DynamoDBClient = tables.client,
  ) =>
    appendToJournal({
      client,
      journalTable: tableName(tables, "journal"),
      aggregateId: id,
      base,
      events,
      context: ctx,
      newEventId: () => crypto.randomUUID(),
    }).mapErr((reasons) => ({ kind: "VersionConflict" as const, reasons }));

  /** Puts rows, retrying what DynamoDB leaves unprocessed. */
  const writeBatch = async (rows: Record<string, AttributeValue>[]) => {
    const table = tableName(tables, "journal");
    let requests = rows.map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const out = await tables.client.send(
        new BatchWriteItemCommand({ RequestItems: { [table]: requests } }),
      );
      requests = (out.UnprocessedItems?.[table] ?? []).flatMap((r) =>
        r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : [],
      );
    }
  };

  beforeAll(async () => {
    tables = await createTestTables([journalTable]);
    store = new DynamoDbEventStore({
      client: tables.client,
      journalTableName: tableName(tables, "journal"),
    });
  });
  afterAll(() => tables.drop());

  it("lets exactly one of 24 concurrent writers at the same version win", async () => {
    const id = newId();
    await append(id, 0, [registered(id)], context());
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => append(id, 1, [received(i + 1)], context(i))),
    );
    const winners = results.filter((r) => r.isOk());
    const losers = results.flatMap((r) => (r.isErr() ? [r.error] : []));
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(23);
    expect(losers.every((e) => e.kind === "VersionConflict")).toBe(true);
    const stream = await store.readStream(id);
    expect(stream.version).toBe(2);
  });

  it("writes a lone event with one PutItem and several events with one transaction", async () => {
    const client = testDynamoDb();
    const sent = recordOperations(client);
    const id = newId();
    expect((await append(id, 0, [registered(id)], context(), client)).isOk()).toBe(true);
    expect((await append(id, 1, [received(1), received(2)], context(), client)).isOk()).toBe(true);
    expect((await append(id, 1, [received(9)], context(), client)).isErr()).toBe(true);
    expect(sent).toEqual(["PutItemCommand", "TransactWriteItemsCommand", "PutItemCommand"]);
    expect((await store.readStream(id)).version).toBe(3);
    client.destroy();
  });

  it("takes a PutItem the SDK retried after a lost answer as written, not as a conflict", async () => {
    const client = testDynamoDb();
    const sent = recordOperations(client);
    let lost = 0;
    // Below the SDK's retry step: the first put reaches DynamoDB, then its answer is "lost".
    client.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        if (lost++ === 0) throw Object.assign(new Error("answer lost"), { name: "TimeoutError" });
        return out;
      },
      { step: "deserialize", name: "loseFirstAnswer" },
    );
    const id = newId();
    const r = await append(id, 0, [registered(id)], context(), client);
    expect(lost).toBe(2); // the SDK did send it twice
    expect(sent).toEqual(["PutItemCommand"]);
    expect(r.isOk()).toBe(true);
    const other = await append(id, 0, [registered(id, "Other")], context(1), client);
    expect(other.isErr()).toBe(true); // someone else's event at that key is still a conflict
    expect((await store.readStream(id)).version).toBe(1);
    client.destroy();
  });

  it("reads one aggregate's journal beyond 1 MB by following LastEvaluatedKey", async () => {
    const id = newId();
    const total = 2400;
    // ~600-byte rows (a 500-character reason is the longest valid field): > 1.4 MB in all.
    const events: ItemEvent[] = [registered(id)];
    for (let i = 1; i < total; i++) {
      const reason = `${i} ${"r".repeat(500)}`.slice(0, 500) as DiscontinueReason;
      events.push(discontinued(reason));
    }
    // The rows the write path makes (stamped, encoded), written with BatchWriteItem: this test
    // is about reading, and 24 transactions of 100 rows took DynamoDB Local up to a minute on a
    // loaded machine (transactions lock; batches of plain puts do not).
    const rows = stampEvents(id, 0, events, context(), () => crypto.randomUUID()).map(
      (stored) => journalPut(tableName(tables, "journal"), stored).Put?.Item ?? {},
    );
    for (let i = 0; i < rows.length; i += 25) await writeBatch(rows.slice(i, i + 25));
    const stream = await store.readStream(id);
    expect(stream.version).toBe(total);
    expect(stream.events.map((e) => e.metadata.sequenceNumber)).toEqual(
      Array.from({ length: total }, (_, i) => i + 1),
    );
    expect(stream.events.at(-1)?.event).toMatchObject({ type: "ItemDiscontinued" });
    // One page of a plain Query stops at 1 MB: proof that this stream needs several pages.
    const firstPage = await tables.client.send(
      new QueryCommand({
        TableName: tableName(tables, "journal"),
        ConsistentRead: true,
        KeyConditionExpression: "aggregateId = :id",
        ExpressionAttributeValues: { ":id": { S: id } },
      }),
    );
    expect(firstPage.LastEvaluatedKey).toBeDefined();
    expect(firstPage.Count).toBeLessThan(total);
    const tail = await store.readStream(id, total - 10);
    expect(tail.events).toHaveLength(10);
    expect(tail.version).toBe(total);
  });

  it("writes nothing when one event of a batch fails its condition", async () => {
    const id = newId();
    // Another writer already holds sequence number 3.
    await append(id, 0, [registered(id)], context());
    await tables.client.send(
      new PutItemCommand({
        TableName: tableName(tables, "journal"),
        Item: { aggregateId: { S: id }, sequenceNumber: { N: "3" } },
      }),
    );
    const r = await append(id, 1, [received(1), received(2), received(3)], context());
    expect(r.isErr() && r.error.kind).toBe("VersionConflict");
    for (const seq of ["2", "4"]) {
      const row = await tables.client.send(
        new GetItemCommand({
          TableName: tableName(tables, "journal"),
          Key: { aggregateId: { S: id }, sequenceNumber: { N: seq } },
          ConsistentRead: true,
        }),
      );
      expect(row.Item).toBeUndefined();
    }
    expect((await store.readStream(id)).events).toHaveLength(1);
  });

  it("refuses a first event where one exists and a write at a version already passed", async () => {
    const id = newId();
    expect((await append(id, 0, [registered(id)], context())).isOk()).toBe(true);
    const again = await append(id, 0, [registered(id)], context());
    expect(again.isErr() && again.error.kind).toBe("VersionConflict");
    expect((await append(id, 1, [received(1)], context())).isOk()).toBe(true);
    const stale = await append(id, 1, [received(2)], context());
    expect(stale.isErr() && stale.error.kind).toBe("VersionConflict");
    const stream = await store.readStream(id);
    expect(stream.version).toBe(2);
    expect(stream.events.map((e) => e.event.type)).toEqual(["ItemRegistered", "StockReceived"]);
  });
});
