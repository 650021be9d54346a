import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKinesisChangeSource } from "../../dev/kinesis-change-source.js";
import { createCommandApi } from "../../services/command-api/app.js";
import { DynamoDbEventStore } from "../../services/event-store/dynamodb-event-store.js";
import { DynamoDbItemRepository } from "../../services/event-store/dynamodb-item-repository.js";
import { silentLogger } from "../../services/logging/logger.js";
import { createQueryApi } from "../../services/query-api/app.js";
import { createReadModelConsumer } from "../../services/stream-consumer/read-model-consumer.js";
import type { StreamWorker } from "../../services/streams/coordinator/stream-worker.js";
import { workerId } from "../../services/streams/leases/lease.js";
import { DynamoDbStreamClient } from "../../services/streams/retrieval/dynamodb-stream-client.js";
import { streamArnOf } from "../../services/tables/provision.js";
import { eventually } from "../support/eventually.js";
import type { TestReadModel, TestTables } from "../support/infra.js";
import {
  awsOptions,
  createTestReadModel,
  createTestTables,
  tableName,
  testDynamoDbStreams,
} from "../support/infra.js";
import { presetCaller } from "../support/preset-caller.js";

// HTTP command → protobuf in the journal → change source → consumer → Postgres → HTTP query,
// over a real listening socket, DynamoDB Local and Postgres; the change source is the journal's
// DynamoDB stream, or kinesalite fed by the forwarder in the Kinesis Data Streams for DynamoDB
// format (CHANGE_SOURCE=kinesis).
describe.each(["dynamodb-streams", "kinesis"] as const)("thin path on %s", (changeSource) => {
  let tables: TestTables;
  let readModel: TestReadModel;
  let consumer: StreamWorker;
  let stopSource: () => Promise<void> = async () => {};
  let server: ReturnType<typeof serve>;
  let base: string;

  beforeAll(async () => {
    tables = await createTestTables();
    readModel = await createTestReadModel();
    const journal = tableName(tables, "journal");
    const store = new DynamoDbEventStore({ client: tables.client, journalTableName: journal });
    const source =
      changeSource === "kinesis"
        ? await startKinesisChangeSource({
            dynamo: tables.client,
            dynamodbEndpoint: awsOptions().endpoint,
            journalTableName: journal,
            tablePrefix: tables.prefix,
          })
        : {
            client: new DynamoDbStreamClient(testDynamoDbStreams()),
            streamArn: await streamArnOf(tables.client, journal),
            stop: async () => {},
          };
    stopSource = source.stop;
    // The deployable's own composition: retries, bisection, parking and the trimmed policy.
    consumer = createReadModelConsumer({
      workerId: workerId(`e2e-${changeSource}`),
      client: source.client,
      streamArn: source.streamArn,
      dynamo: tables.client,
      tables: { leases: tableName(tables, "leases"), parked: tableName(tables, "parked") },
      db: readModel.db,
      schema: readModel.schema,
      journal: store,
      logger: silentLogger,
      config: { idlePollMs: 20 },
    });
    await consumer.start();
    const app = new Hono()
      .route(
        "/",
        createCommandApi({
          access: presetCaller(),
          repository: new DynamoDbItemRepository({
            client: tables.client,
            tableNames: {
              journal,
              snapshots: tableName(tables, "snapshots"),
              idempotency: tableName(tables, "idempotency"),
            },
          }),
        }),
      )
      .route("/", createQueryApi({ db: readModel.db, access: presetCaller() }));
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
        base = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await consumer.shutdown();
    await stopSource();
    await readModel.drop();
    await tables.drop();
  });

  /** POST /commands/items with this JSON body. */
  const register = (body: unknown) =>
    fetch(`${base}/commands/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("registers an item and shows it through the query API", async () => {
    const res = await register({ name: "  Green tea  ", price: 450 });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { itemId: string; version: number };
    expect(body.version).toBe(1);
    expect(res.headers.get("location")).toBe(`/queries/items/${body.itemId}`);
    expect(res.headers.get("etag")).toBe('"1"');

    const item = await eventually(
      async () => {
        const r = await fetch(`${base}/queries/items/${body.itemId}`);
        return r.status === 200 ? ((await r.json()) as Record<string, unknown>) : undefined;
      },
      { what: "the item to be projected" },
    );
    expect(item).toMatchObject({
      itemId: body.itemId,
      name: "Green tea",
      price: 450,
      stock: 0,
      version: 1,
    });
  });

  it("answers 404 problem+json for an unknown item", async () => {
    const r = await fetch(`${base}/queries/items/0193c0de-0000-7000-8000-000000000000`);
    expect(r.status).toBe(404);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
  });

  it("lists every invalid field at once and writes nothing", async () => {
    const r = await register({ name: "   ", price: 1.5 });
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    const p = (await r.json()) as { errors: Array<{ field: string }> };
    expect(p.errors.map((e) => e.field).sort()).toEqual(["name", "price"]);
  });
});
