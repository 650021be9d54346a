import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import type { ItemEvent } from "../../services/domain/item/index.js";
import { DynamoDbItemRepository } from "../../services/event-store/dynamodb-item-repository.js";
import {
  idempotencyPut,
  idempotencyRecordOf,
} from "../../services/event-store/idempotency-items.js";
import { matchIdempotency } from "../../services/event-store/item-repository.js";
import { received } from "../support/events.js";

const record = {
  key: "k-1",
  fingerprint: "fp-A",
  response: { status: 201, body: "{}", headers: { etag: '"1"' } },
};
const now = new Date("2026-03-01T00:00:00Z");

describe("idempotency rows", () => {
  it("round-trips a record and expires it after its TTL", () => {
    const put = idempotencyPut({
      tableName: "t",
      record,
      aggregateId: "a",
      now,
      ttlSeconds: 60,
    });
    const item = put.Put?.Item;
    expect(item?.expiresAt?.N).toBe(String(now.getTime() / 1000 + 60));
    expect(idempotencyRecordOf(item, new Date(now.getTime() + 60_000))).toEqual(record);
    expect(idempotencyRecordOf(item, new Date(now.getTime() + 61_000))).toBeUndefined();
  });

  it("tells a replay of the same request from a reuse of the key for another one", () => {
    expect(matchIdempotency(record, "fp-A")).toMatchObject({ sameRequest: true, record });
    expect(matchIdempotency(record, "fp-B")).toMatchObject({ sameRequest: false, key: "k-1" });
  });
});

describe("transaction size", () => {
  // Never sends: the limit is checked before any request.
  const repo = new DynamoDbItemRepository({
    client: new DynamoDBClient({ region: "us-east-1" }),
    tableNames: { journal: "j", snapshots: "s", idempotency: "i" },
    snapshotEvery: 10,
  });
  const events = (n: number): ItemEvent[] => Array.from({ length: n }, () => received(1));
  const ctx = { commandId: "c", correlationId: "k", now, actor: { subject: "test-user" } };

  it("leaves room for the idempotency row in DynamoDB's 100 items (the snapshot is apart)", async () => {
    const r = await repo.save("a", { kind: "exact", version: 1 }, events(100), ctx, record);
    expect(r.isErr() && r.error).toEqual({ kind: "TooManyEvents", count: 100, max: 99 });
    const r2 = await repo.save("a", { kind: "exact", version: 1 }, events(101), ctx);
    expect(r2.isErr() && r2.error).toEqual({ kind: "TooManyEvents", count: 101, max: 100 });
  });
});
