import { describe, expect, it } from "vitest";
import type { ItemId, ItemName, Price } from "../../services/domain/item/index.js";
import { encodeEvent, type StoredEvent } from "../../services/event-store/codec.js";
import { eventOfRecord } from "../../services/read-model/stream-handler.js";
import {
  decodeKinesisDynamoDbRecord,
  kinesisDynamoDbChange,
} from "../../services/streams/retrieval/kinesis-dynamodb-record.js";
import { kinesisStreamName } from "../../services/streams/retrieval/kinesis-stream-client.js";

const utf8 = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));

// A record as Kinesis Data Streams for DynamoDB writes it (shape from the AWS documentation).
const fixture = {
  awsRegion: "us-east-1",
  eventID: "c9bcb2e3-0b7a-4b5f-9bd8-3a8c0b5f7c1e",
  eventName: "INSERT",
  userIdentity: null,
  recordFormat: "application/json",
  tableName: "journal",
  dynamodb: {
    ApproximateCreationDateTime: 1_764_547_200_123,
    Keys: { aggregateId: { S: "item-1" }, sequenceNumber: { N: "3" } },
    NewImage: {
      aggregateId: { S: "item-1" },
      sequenceNumber: { N: "3" },
      eventType: { S: "StockReceived" },
      payload: { B: Buffer.from([1, 2, 3]).toString("base64") },
      tags: { L: [{ S: "a" }, { M: { n: { N: "1" }, ok: { BOOL: true }, no: { NULL: true } } }] },
    },
    SizeBytes: 120,
  },
  eventSource: "aws:dynamodb",
};

describe("Kinesis Data Streams for DynamoDB record format", () => {
  it("decodes keys, the new image (binary from base64) and the creation time", () => {
    const r = decodeKinesisDynamoDbRecord("4959", utf8(fixture), new Date(0))._unsafeUnwrap();
    expect(r.sequenceNumber).toBe("4959");
    expect(r.keys).toEqual({ aggregateId: { S: "item-1" }, sequenceNumber: { N: "3" } });
    expect(r.newImage?.payload?.B).toEqual(new Uint8Array([1, 2, 3]));
    expect(r.newImage?.tags).toEqual({
      L: [{ S: "a" }, { M: { n: { N: "1" }, ok: { BOOL: true }, no: { NULL: true } } }],
    });
    expect(r.approximateCreationTime.toISOString()).toBe("2025-12-01T00:00:00.123Z");
  });

  it("reads a creation time in microseconds (MICROSECOND precision tables)", () => {
    const micro = {
      ...fixture,
      dynamodb: { ...fixture.dynamodb, ApproximateCreationDateTime: 1_764_547_200_123_456 },
    };
    const r = decodeKinesisDynamoDbRecord("1", utf8(micro), undefined)._unsafeUnwrap();
    expect(r.approximateCreationTime.toISOString()).toBe("2025-12-01T00:00:00.123Z");
  });

  it("keeps a REMOVE (no NewImage) as a record without image: not an event", () => {
    const { NewImage: _, ...keysOnly } = fixture.dynamodb;
    const r = decodeKinesisDynamoDbRecord(
      "2",
      utf8({ ...fixture, eventName: "REMOVE", dynamodb: keysOnly }),
      undefined,
    );
    expect(r._unsafeUnwrap().newImage).toBeUndefined();
    expect(eventOfRecord(r._unsafeUnwrap())).toBeUndefined();
  });

  it("answers an error value for data that is not a DynamoDB change", () => {
    expect(
      decodeKinesisDynamoDbRecord("3", utf8({ hello: 1 }), undefined)._unsafeUnwrapErr(),
    ).toMatch(/dynamodb.Keys/);
    expect(
      decodeKinesisDynamoDbRecord(
        "4",
        new TextEncoder().encode("{nope"),
        undefined,
      )._unsafeUnwrapErr(),
    ).toMatch(/not JSON/);
    const bad = { ...fixture, dynamodb: { ...fixture.dynamodb, Keys: { a: { X: 1 } } } };
    expect(decodeKinesisDynamoDbRecord("5", utf8(bad), undefined)._unsafeUnwrapErr()).toMatch(
      /unknown attribute type/,
    );
  });

  it("round-trips what the development forwarder writes, protobuf payload intact", () => {
    const stored: StoredEvent = {
      metadata: {
        eventId: "0193c0de-0000-7000-8000-0000000000aa",
        aggregateId: "0193c0de-0000-7000-8000-000000000001",
        sequenceNumber: 1,
        occurredAt: new Date("2026-01-02T03:04:05.678Z"),
        correlationId: "corr",
        causationId: "cmd",
        eventType: "ItemRegistered",
        schemaVersion: 1,
      },
      event: {
        type: "ItemRegistered",
        data: {
          itemId: "0193c0de-0000-7000-8000-000000000001" as ItemId,
          name: "Tea" as ItemName,
          price: 450 as Price,
        },
      },
    };
    const payload = encodeEvent(stored);
    const keys = { aggregateId: { S: stored.metadata.aggregateId }, sequenceNumber: { N: "1" } };
    const change = kinesisDynamoDbChange({
      eventName: "INSERT",
      tableName: "journal",
      createdAt: new Date(1_764_547_200_000),
      keys,
      newImage: { ...keys, payload: { B: payload } },
    });
    const r = decodeKinesisDynamoDbRecord("9", utf8(change), undefined)._unsafeUnwrap();
    expect(eventOfRecord(r)).toEqual(stored);
  });

  it("takes a stream's name from its ARN", () => {
    expect(kinesisStreamName("arn:aws:kinesis:eu-west-1:123456789012:stream/item-journal")).toBe(
      "item-journal",
    );
    expect(kinesisStreamName("item-journal")).toBe("item-journal");
  });
});
