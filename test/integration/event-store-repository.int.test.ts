import { readFileSync } from "node:fs";
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ITEM_STATE_VERSION,
  type ItemId,
  type ItemName,
  type Price,
} from "../../services/domain/item/index.js";
import {
  DynamoDbItemRepository,
  type DynamoDbItemRepositoryOptions,
} from "../../services/event-store/dynamodb-item-repository.js";
import type { CommandContext } from "../../services/event-store/event-store.js";
import type { IdempotencyRecord } from "../../services/event-store/item-repository.js";
import { encodeSnapshot } from "../../services/event-store/snapshot-codec.js";
import {
  idempotencyTable,
  journalTable,
  snapshotsTable,
} from "../../services/tables/definitions.js";
import { newItemId as newId, received, registered } from "../support/events.js";
import { FakeClock } from "../support/fake-clock.js";
import type { TestTables } from "../support/infra.js";
import { createTestTables, tableName, testDynamoDb } from "../support/infra.js";

// Real time (whole seconds): DynamoDB Local runs a TTL sweeper on the wall clock, so a key written
// "in the past" could vanish mid-test.
const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const context = (n = 0): CommandContext => ({
  commandId: `c${n}`,
  correlationId: `k${n}`,
  now,
  actor: { subject: "test-user" },
});
const record = (key: string, fingerprint: string): IdempotencyRecord => ({
  key,
  fingerprint,
  response: { status: 201, body: `{"fp":"${fingerprint}"}`, headers: { etag: '"1"' } },
});

/** A client that counts the requests it sends (a real client, observed, not mocked). */
const countingClient = (): { client: DynamoDBClient; sent: () => number } => {
  const client = testDynamoDb();
  let n = 0;
  client.middlewareStack.add(
    (next) => (args) => {
      n++;
      return next(args);
    },
    { step: "initialize" },
  );
  return { client, sent: () => n };
};

describe("DynamoDbItemRepository", () => {
  let tables: TestTables;
  const repo = (o: Partial<DynamoDbItemRepositoryOptions> = {}) =>
    new DynamoDbItemRepository({
      client: tables.client,
      tableNames: {
        journal: tableName(tables, "journal"),
        snapshots: tableName(tables, "snapshots"),
        idempotency: tableName(tables, "idempotency"),
      },
      snapshotEvery: 5,
      clock: new FakeClock({ start: now.getTime() }),
      ...o,
    });
  const snapshotRow = (id: string) =>
    tables.client.send(
      new GetItemCommand({
        TableName: tableName(tables, "snapshots"),
        Key: { aggregateId: { S: id } },
        ConsistentRead: true,
      }),
    );
  const snapshotsName = () => tableName(tables, "snapshots");
  /** Writes a row straight into a table, past the repository (another writer's or older data). */
  const putRow = (table: "journal" | "snapshots", Item: Record<string, AttributeValue>) =>
    tables.client.send(new PutItemCommand({ TableName: tableName(tables, table), Item }));
  /** Registers an item and receives stock `count - 1` times, one save per event. */
  const seed = (r: DynamoDbItemRepository, id: ItemId, count: number) => seedFrom(r, id, 0, count);
  /** Saves events `from + 1` … `to` one at a time (the first one registers). */
  const seedFrom = async (r: DynamoDbItemRepository, id: ItemId, from: number, to: number) => {
    for (let v = from; v < to; v++) {
      const event = v === 0 ? registered(id) : received(1);
      const saved = await r.save(id, { kind: "exact", version: v }, [event], context(v));
      expect(saved.isOk()).toBe(true);
    }
  };

  beforeAll(async () => {
    tables = await createTestTables([journalTable, snapshotsTable, idempotencyTable]);
  });
  afterAll(() => tables.drop());

  describe("snapshots", () => {
    it("writes a snapshot every N events and loads from it plus the events after it", async () => {
      const r = repo();
      const id = newId();
      await seed(r, id, 12);
      const row = await snapshotRow(id);
      expect(row.Item?.version?.N).toBe("10");
      // Remove the events the snapshot covers: a load that still works read only the tail.
      for (let seq = 1; seq <= 10; seq++) {
        await tables.client.send(
          new DeleteItemCommand({
            TableName: tableName(tables, "journal"),
            Key: { aggregateId: { S: id }, sequenceNumber: { N: String(seq) } },
          }),
        );
      }
      const loaded = await r.load(id);
      expect(loaded.version).toBe(12);
      expect(loaded.state).toMatchObject({ status: "Active", stock: 11 });
    });

    it("writes the snapshot only after a winning write: a losing writer leaves none", async () => {
      const r = repo();
      const id = newId();
      await seed(r, id, 4);
      const [a, b] = await Promise.all([
        r.save(id, { kind: "exact", version: 4 }, [received(5)], context(1)),
        r.save(id, { kind: "exact", version: 4 }, [received(7)], context(2)),
      ]);
      expect([a, b].filter((x) => x.isOk())).toHaveLength(1);
      const winner = a.isOk() ? 5 : 7;
      const row = await snapshotRow(id);
      expect(row.Item?.version?.N).toBe("5");
      expect((await r.load(id, { fresh: true })).state).toMatchObject({ stock: 3 + winner });
    });

    it("loads the right state after a crash between the event write and the snapshot write", async () => {
      // The process "dies" after the event committed: its snapshot put never reaches DynamoDB.
      const dying = testDynamoDb();
      dying.middlewareStack.add(
        (next, ctx) => (args) => {
          const input = args.input as { TableName?: string };
          if (ctx.commandName === "PutItemCommand" && input.TableName === snapshotsName())
            throw new Error("killed before the snapshot write");
          return next(args);
        },
        { step: "initialize" },
      );
      const id = newId();
      await seed(repo(), id, 5); // snapshot at 5, written
      const crashing = repo({ client: dying, cache: { maxItems: 10 } });
      for (let v = 5; v < 12; v++) {
        const saved = await crashing.save(
          id,
          { kind: "exact", version: v },
          [received(1)],
          context(v),
        );
        expect(saved.isOk()).toBe(true); // the event is committed: the command succeeded
      }
      expect((await snapshotRow(id)).Item?.version?.N).toBe("5"); // the one at 10 never came
      for (const r of [repo(), repo({ cache: { maxItems: 10 } }), crashing]) {
        expect(await r.load(id, { fresh: true })).toMatchObject({
          version: 12,
          state: { status: "Active", stock: 11 },
        });
      }
      // The next due snapshot (at 15) is written normally and is right.
      await repo().save(id, { kind: "exact", version: 12 }, [received(1)], context());
      await seedFrom(repo(), id, 13, 15);
      expect((await snapshotRow(id)).Item?.version?.N).toBe("15");
      expect(await repo().load(id, { fresh: true })).toMatchObject({
        version: 15,
        state: { stock: 14 },
      });
      dying.destroy();
    });

    it("never moves a snapshot backwards: an older one is dropped", async () => {
      const id = newId();
      const newer = { aggregateId: { S: id }, version: { N: "20" }, stateVersion: { N: "0" } };
      await putRow("snapshots", newer);
      await seed(repo({ snapshotEvery: 5 }), id, 10); // due at 5 and at 10: both older than 20
      expect((await snapshotRow(id)).Item).toEqual(newer);
    });

    it("sends one PutItem for a lone event, and the due snapshot as its own put after it", async () => {
      const client = testDynamoDb();
      const sent: string[] = [];
      client.middlewareStack.add(
        (next, ctx) => (args) => {
          const table = (args.input as { TableName?: string }).TableName;
          sent.push(
            `${String(ctx.commandName)}${table ? ` ${table.slice(tables.prefix.length)}` : ""}`,
          );
          return next(args);
        },
        { step: "initialize" },
      );
      const r = repo({ client, cache: { maxItems: 10 } });
      const id = newId();
      await seed(r, id, 5);
      const key = `key-${id}`;
      await r.save(id, { kind: "exact", version: 5 }, [received(1)], context(), record(key, "A"));
      expect(sent).toEqual([
        "PutItemCommand journal",
        "PutItemCommand journal",
        "PutItemCommand journal",
        "PutItemCommand journal",
        "PutItemCommand journal",
        "PutItemCommand snapshots",
        "TransactWriteItemsCommand", // event + idempotency row: atomic together
      ]);
      client.destroy();
    });

    it("ignores a snapshot of another state version and replays the journal", async () => {
      const r = repo({ snapshotEvery: 0 });
      const id = newId();
      await seed(r, id, 3);
      const bogus = {
        status: "Active" as const,
        itemId: id,
        name: "Bogus" as ItemName,
        price: 1 as Price,
        stock: 999,
      };
      for (const stateVersion of [ITEM_STATE_VERSION - 1, ITEM_STATE_VERSION]) {
        await putRow("snapshots", {
          aggregateId: { S: id },
          version: { N: "2" },
          stateVersion: { N: String(stateVersion) },
          payload: {
            B: encodeSnapshot({
              aggregateId: id,
              version: 2,
              stateVersion,
              state: bogus,
              takenAt: now,
            }),
          },
        });
        const loaded = await r.load(id, { fresh: true });
        expect(loaded.version).toBe(3);
        // The outdated snapshot is ignored; a current one (here deliberately wrong) is trusted.
        expect(loaded.state).toMatchObject(
          stateVersion === ITEM_STATE_VERSION
            ? { name: "Bogus", stock: 1000 }
            : { name: "Tea", stock: 2 },
        );
      }
    });
  });

  describe("idempotency keys", () => {
    it("stores the key with the events; the same request gets the original response", async () => {
      const r = repo();
      const id = newId();
      const key = `key-${id}`;
      const first = await r.save(
        id,
        { kind: "noStream" },
        [registered(id)],
        context(),
        record(key, "A"),
      );
      expect(first.isOk()).toBe(true);
      const stored = await tables.client.send(
        new GetItemCommand({
          TableName: tableName(tables, "idempotency"),
          Key: { idempotencyKey: { S: key } },
          ConsistentRead: true,
        }),
      );
      expect(Number(stored.Item?.expiresAt?.N)).toBe(now.getTime() / 1000 + 86_400);
      expect(await r.findIdempotency(key)).toEqual(record(key, "A"));

      // A second save at version 1 under the same key: the same request ("A") or another ("B").
      const receiveOnceMore = (request: string) =>
        r.save(id, { kind: "exact", version: 1 }, [received(1)], context(), record(key, request));
      const replay = await receiveOnceMore("A");
      expect(replay.isErr() && replay.error).toEqual({
        kind: "IdempotencyKeyReused",
        key,
        record: record(key, "A"),
        sameRequest: true,
      });
      const other = await receiveOnceMore("B");
      expect(other.isErr() && other.error).toMatchObject({
        kind: "IdempotencyKeyReused",
        sameRequest: false,
      });
      expect((await r.load(id, { fresh: true })).version).toBe(1);
    });

    it("lets one of many concurrent requests with the same key write", async () => {
      const r = repo();
      const id = newId();
      const key = `key-${id}`;
      await seed(r, id, 1);
      // Each request as the command handler runs it: a version conflict reloads and tries again.
      const attempt = async (i: number) => {
        for (;;) {
          const { version } = await r.load(id, { fresh: true });
          const x = await r.save(
            id,
            { kind: "exact", version },
            [received(1)],
            context(i),
            record(key, "same"),
          );
          if (x.isOk() || x.error.kind !== "VersionConflict") return x;
        }
      };
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(i)));
      expect(results.filter((x) => x.isOk())).toHaveLength(1);
      for (const x of results) {
        if (x.isErr())
          expect(x.error).toMatchObject({ kind: "IdempotencyKeyReused", sameRequest: true });
      }
      expect((await r.load(id, { fresh: true })).version).toBe(2);
    });

    it("treats an expired key (not yet deleted by TTL) as free", async () => {
      const id = newId();
      const key = `key-${id}`;
      const r = repo({
        idempotencyTtlSeconds: 60,
        clock: new FakeClock({ start: now.getTime() + 61_000 }),
      });
      await r.save(id, { kind: "noStream" }, [registered(id)], context(), record(key, "A"));
      expect(await r.findIdempotency(key)).toBeUndefined();
      const later = { ...context(), now: new Date(now.getTime() + 61_000) };
      const again = await r.save(
        id,
        { kind: "exact", version: 1 },
        [received(1)],
        later,
        record(key, "B"),
      );
      expect(again.isOk()).toBe(true);
    });
  });

  it("loads an aggregate whose journal holds a payload of an older schema (upcasting)", async () => {
    const bytes = readFileSync(
      new URL("../fixtures/events-schema-v0/item-registered.v0.bin", import.meta.url),
    );
    const id = "018bcfe5-6800-7000-8000-0000000000a1" as ItemId;
    await putRow("journal", {
      aggregateId: { S: id },
      sequenceNumber: { N: "1" },
      eventType: { S: "ItemRegistered" },
      payload: { B: bytes },
    });
    const r = repo();
    expect(await r.load(id)).toMatchObject({
      version: 1,
      state: { name: "Legacy teapot", price: 1250 },
    });
    expect((await r.save(id, { kind: "exact", version: 1 }, [received(2)], context())).isOk()).toBe(
      true,
    );
  });

  describe("state cache", () => {
    it("serves a warm aggregate with one round trip per command", async () => {
      const counting = countingClient();
      const r = repo({ client: counting.client, cache: { maxItems: 100 } });
      const id = newId();
      await seed(r, id, 2);
      const before = counting.sent();
      for (let i = 0; i < 5; i++) {
        const loaded = await r.load(id);
        expect(loaded.cached).toBe(true);
        const saved = await r.save(
          id,
          { kind: "exact", version: loaded.version },
          [received(1)],
          context(i),
        );
        expect(saved.isOk()).toBe(true);
      }
      // Exactly one write per command, plus the version-5 snapshot's own put after its event.
      expect(counting.sent() - before).toBe(6);
      expect((await r.load(id, { fresh: true })).state).toMatchObject({ stock: 6 });
    });

    it("detects staleness across two repository instances and recovers on reload", async () => {
      const a = repo({ cache: { maxItems: 10 }, snapshotEvery: 0 });
      const b = repo({ cache: { maxItems: 10 }, snapshotEvery: 0 });
      const id = newId();
      await seed(a, id, 2);
      const warmB = await b.load(id);
      expect(
        (await a.save(id, { kind: "exact", version: 2 }, [received(10)], context())).isOk(),
      ).toBe(true);

      const staleB = await b.load(id);
      expect(staleB).toMatchObject({ version: warmB.version, cached: true });
      const conflict = await b.save(
        id,
        { kind: "exact", version: staleB.version },
        [received(1)],
        context(),
      );
      expect(conflict.isErr() && conflict.error.kind).toBe("VersionConflict");

      const reloaded = await b.load(id);
      expect(reloaded).toMatchObject({ version: 3, state: { stock: 11 } });
      expect(reloaded.cached).toBeUndefined();
      expect(
        (await b.save(id, { kind: "exact", version: 3 }, [received(1)], context())).isOk(),
      ).toBe(true);
      expect(await a.load(id, { fresh: true })).toMatchObject({ version: 4, state: { stock: 12 } });
    });
  });
});
