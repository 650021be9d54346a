import { fileURLToPath } from "node:url";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { afterEach, describe, expect, it } from "vitest";
import { appendLives, generateLives, journalAppender } from "../../bench/projection-workload.js";
import { seededRandom } from "../../bench/support/args.js";
import type { StoredEvent } from "../../services/event-store/codec.js";
import { integrationMessageOf } from "../../services/integration-events/item-integration-events.js";
import { createIntegrationPublisher } from "../../services/integration-publisher/integration-publisher.js";
import type { StreamWorker } from "../../services/streams/coordinator/stream-worker.js";
import { workerId } from "../../services/streams/leases/lease.js";
import {
  type ConsumerMetrics,
  noMetrics,
} from "../../services/streams/metrics/consumer-metrics.js";
import { DynamoDbParkingStore } from "../../services/streams/parking/dynamodb-parking-store.js";
import { DynamoDbStreamClient } from "../../services/streams/retrieval/dynamodb-stream-client.js";
import {
  journalTable,
  publisherLeasesTable,
  publisherParkedTable,
} from "../../services/tables/definitions.js";
import { streamArnOf } from "../../services/tables/provision.js";
import { chaosTimings } from "../streams-sim/chaos-timings.js";
import type { PublisherProcessSettings } from "../streams-sim/publisher-worker-process.js";
import { exited, spawnWorker } from "../streams-sim/worker-processes.js";
import { registered, renamed } from "../support/events.js";
import { eventually, settled } from "../support/eventually.js";
import {
  awsOptions,
  createTestTables,
  type TestTables,
  tableName,
  testDynamoDbStreams,
} from "../support/infra.js";
import { memoryLogger } from "../support/memory-logger.js";
import { type ReceivedEntry, type SnsEndpoint, startSnsEndpoint } from "../support/sns-endpoint.js";

const publisherScript = fileURLToPath(
  new URL("../streams-sim/publisher-worker-process.ts", import.meta.url),
);

// The integration publisher on DynamoDB Local's real stream, publishing through the real
// @aws-sdk/client-sns to a SIMULATED SNS endpoint (test/support/sns-endpoint.ts): no SNS
// emulator exists on the npm or Debian registries here (no LocalStack without Docker, no moto,
// no ElasticMQ), so the endpoint speaks SNS's query protocol for Publish and PublishBatch and
// injects throttling, 5xx answers and partial batch failures.

const TOPIC = "arn:aws:sns:us-east-1:000000000000:item-events.fifo";
/** Small backoffs keep the test fast; the faults below outlast nothing. */
const policy = { maxRetries: 2, backoff: { initialMs: 5, maxMs: 50, multiplier: 2 } };

interface Run {
  readonly tables: TestTables;
  readonly sns: SnsEndpoint;
  readonly worker: StreamWorker;
  readonly parking: DynamoDbParkingStore;
  readonly parked: string[];
  readonly counts: { published: number; failed: number };
}

const runs: Run[] = [];
afterEach(async () => {
  for (const run of runs.splice(0)) {
    await run.worker.shutdown();
    await run.sns.close();
    await run.tables.drop();
  }
});

/** Fresh journal and publisher tables, a simulated topic and a started publisher worker. */
const startPublisher = async (): Promise<Run> => {
  const tables = await createTestTables([journalTable, publisherLeasesTable, publisherParkedTable]);
  const sns = await startSnsEndpoint();
  const parked: string[] = [];
  const counts = { published: 0, failed: 0 };
  const metrics: ConsumerMetrics = { ...noMetrics, parked: (key) => void parked.push(key) };
  const parkedTable = tableName(tables, publisherParkedTable.logicalName);
  const worker = createIntegrationPublisher({
    workerId: workerId("publisher-test"),
    client: new DynamoDbStreamClient(testDynamoDbStreams()),
    streamArn: await streamArnOf(tables.client, tableName(tables, "journal")),
    dynamo: tables.client,
    tables: { leases: tableName(tables, publisherLeasesTable.logicalName), parked: parkedTable },
    // One attempt per call: every injected fault reaches the publisher's own retries.
    sns: new SNSClient({
      endpoint: sns.url,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    }),
    topicArn: TOPIC,
    logger: memoryLogger("integration-publisher").logger,
    metrics,
    publisherMetrics: {
      published: (n) => {
        counts.published += n;
      },
      failed: (n) => {
        counts.failed += n;
      },
    },
    retryPolicy: policy,
    config: { idlePollMs: 20, backoffMs: 20 },
  });
  await worker.start();
  const run = {
    tables,
    sns,
    worker,
    parking: new DynamoDbParkingStore(tables.client, parkedTable),
    parked,
    counts,
  };
  runs.push(run);
  return run;
};

const appendRandomLives = async (run: Run, items: number, seed: number) =>
  appendLives(
    journalAppender(run.tables.client, tableName(run.tables, "journal")),
    generateLives(seededRandom(seed), items, 4),
    { concurrency: 4 },
  );

const versionOf = (e: ReceivedEntry): number =>
  Number((JSON.parse(e.body) as { itemVersion: string }).itemVersion);

/** The messages these events must produce (stock movements publish nothing). */
const expectedDedupIds = (events: readonly StoredEvent[]): string[] =>
  events.flatMap((e) => integrationMessageOf(e)?.deduplicationId ?? []).sort();

describe("integration publisher on DynamoDB Local's stream, to a simulated SNS FIFO topic", () => {
  it("publishes every event at least once, in item order per message group, through throttling, 5xx and partial batch failures", async () => {
    const run = await startPublisher();
    run.sns.inject(
      { kind: "throttle" },
      { kind: "server-error" },
      { kind: "partial", failAt: [0, 2] },
    );
    run.sns.faultEvery(3, { kind: "partial", failAt: [1, 3, 5] });
    const events = await appendRandomLives(run, 30, 19);
    const want = expectedDedupIds(events);

    await eventually(async () => (run.sns.delivered.length >= want.length ? true : undefined), {
      what: `${want.length} messages delivered`,
      timeoutMs: 60_000,
    });
    expect(run.sns.delivered.map((e) => e.deduplicationId).sort()).toEqual(want);
    // Every fault kind was met.
    const faults = new Set(run.sns.requests.map((r) => r.fault));
    for (const kind of ["throttle", "server-error", "partial"] as const)
      expect(faults).toContain(kind);

    // Per message group, SNS accepted the item's events in version order, each once.
    const byGroup = new Map<string, number[]>();
    for (const e of run.sns.received.filter((r) => r.outcome === "accepted"))
      byGroup.set(e.groupId, [...(byGroup.get(e.groupId) ?? []), versionOf(e)]);
    for (const [group, versions] of byGroup)
      expect({ group, versions }).toEqual({ group, versions: [...versions].sort((a, b) => a - b) });
    const accepted = run.sns.received.filter((r) => r.outcome === "accepted");
    expect(new Set(accepted.map((e) => e.deduplicationId)).size).toBe(accepted.length);

    // The group is the item, and the message is the mapping of the journal's event.
    const byDedup = new Map(events.map((e) => [e.metadata.eventId, e]));
    for (const e of run.sns.delivered) {
      const source = byDedup.get(e.deduplicationId) as StoredEvent;
      expect(e.groupId).toBe(source.metadata.aggregateId);
      expect(e.body).toBe(integrationMessageOf(source)?.body);
      expect(e.attributes.eventType).toBe(integrationMessageOf(source)?.eventType);
    }
    expect(run.parked).toEqual([]);
    // The metrics count what the endpoint saw.
    expect(run.counts.published).toBe(accepted.length);
    expect(run.counts.failed).toBe(run.sns.received.filter((r) => r.outcome === "failed").length);
  });

  it("re-sends a failed entry with the same deduplication id and body, and only the failed entries", async () => {
    const run = await startPublisher();
    run.sns.faultEvery(2, { kind: "partial", failAt: [0, 1] });
    const events = await appendRandomLives(run, 12, 7);
    const want = expectedDedupIds(events);
    await eventually(async () => (run.sns.delivered.length >= want.length ? true : undefined), {
      what: "every message delivered",
      timeoutMs: 60_000,
    });
    const failed = run.sns.received.filter((r) => r.outcome === "failed");
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) {
      const resent = run.sns.received.filter(
        (r) => r.outcome === "accepted" && r.deduplicationId === f.deduplicationId,
      );
      expect(resent.map((r) => r.body)).toEqual([f.body]);
    }
    // Nothing SNS accepted was sent again: re-sends were the failed entries only.
    const accepted = run.sns.received.filter((r) => r.outcome === "accepted");
    expect(accepted.length).toBe(want.length);
  });

  it("parks a poison record per item while other items flow", async () => {
    const run = await startPublisher();
    const journal = tableName(run.tables, "journal");
    const append = journalAppender(run.tables.client, journal);
    const poisoned = "0193c0de-dead-7000-8000-000000000001";
    (await append(poisoned, 0, [registered(poisoned, "Poisoned")]))._unsafeUnwrap();
    // Version 2 of the item: bytes no decoder reads (a foreign writer, a bug).
    await run.tables.client.send(
      new PutItemCommand({
        TableName: journal,
        Item: {
          aggregateId: { S: poisoned },
          sequenceNumber: { N: "2" },
          payload: { B: new Uint8Array([0xff, 0xff, 0xff, 0x07]) },
        },
      }),
    );
    (await append(poisoned, 2, [renamed("After the poison")]))._unsafeUnwrap();
    const others = await appendRandomLives(run, 8, 3);
    const want = expectedDedupIds(others);

    await eventually(
      async () =>
        want.every((id) => run.sns.delivered.some((d) => d.deduplicationId === id)) &&
        run.parked.length >= 2
          ? true
          : undefined,
      { what: "other items published and the poisoned item parked", timeoutMs: 60_000 },
    );
    const ofPoisoned = run.sns.delivered.filter((d) => d.groupId === poisoned).map(versionOf);
    expect(ofPoisoned).toEqual([1]);
    const { block, records } = await run.parking.parkedOf(poisoned);
    expect(block).toBeDefined();
    expect(records.map((r) => [r.position, r.reason])).toEqual([
      ["00000000000000000002", "RetryAttemptsExhausted"],
      ["00000000000000000003", "BehindParkedRecord"],
    ]);
    expect(run.parked.every((key) => key === poisoned)).toBe(true);
  });

  it("loses nothing when a publisher worker is SIGKILLed mid-run: the next worker re-sends from the checkpoint under the same deduplication ids", async () => {
    const tables = await createTestTables([
      journalTable,
      publisherLeasesTable,
      publisherParkedTable,
    ]);
    const sns = await startSnsEndpoint();
    const children: Awaited<ReturnType<typeof spawnWorker>>[] = [];
    try {
      const events = await appendLives(
        journalAppender(tables.client, tableName(tables, "journal")),
        generateLives(seededRandom(41), 30, 4),
        { concurrency: 4 },
      );
      const want = expectedDedupIds(events);
      const settings = (name: string): PublisherProcessSettings => ({
        name,
        endpoint: awsOptions().endpoint,
        snsEndpoint: sns.url,
        topicArn: TOPIC,
        streamArn: "",
        tables: {
          leases: tableName(tables, publisherLeasesTable.logicalName),
          parked: tableName(tables, publisherParkedTable.logicalName),
        },
        config: chaosTimings,
      });
      const streamArn = await streamArnOf(tables.client, tableName(tables, "journal"));
      // Three batches answered, then the fourth waits: the worker dies with it in flight.
      const held = sns.holdAfter(3);
      const first = await spawnWorker({ ...settings("first"), streamArn }, publisherScript);
      children.push(first);
      await settled(held, "a request held by the endpoint");
      first.kill("SIGKILL");
      await exited(first);
      const beforeKill = sns.delivered.length;
      expect(beforeKill).toBeGreaterThan(0);
      expect(beforeKill).toBeLessThan(want.length);
      // SNS takes the dead worker's last request after all: its sender never learns it.
      sns.release();

      children.push(await spawnWorker({ ...settings("second"), streamArn }, publisherScript));
      await eventually(async () => (sns.delivered.length >= want.length ? true : undefined), {
        what: `${want.length} messages delivered after the kill`,
        timeoutMs: 60_000,
      });
      expect(sns.delivered.map((e) => e.deduplicationId).sort()).toEqual(want);
      // What the first worker published before its checkpoint was sent again, same id, same body.
      const accepted = sns.received.filter((r) => r.outcome === "accepted");
      const resent = accepted.filter(
        (r, i) => accepted.findIndex((o) => o.deduplicationId === r.deduplicationId) !== i,
      );
      expect(resent.length).toBeGreaterThan(0);
      for (const r of resent)
        expect(sns.delivered.find((d) => d.deduplicationId === r.deduplicationId)?.body).toBe(
          r.body,
        );
      // Per item, what subscribers get (duplicates dropped) is in version order.
      const byGroup = new Map<string, number[]>();
      for (const e of sns.delivered)
        byGroup.set(e.groupId, [...(byGroup.get(e.groupId) ?? []), versionOf(e)]);
      for (const [group, versions] of byGroup)
        expect({ group, versions }).toEqual({
          group,
          versions: [...versions].sort((a, b) => a - b),
        });
    } finally {
      for (const c of children) c.kill("SIGKILL");
      await Promise.all(children.map(exited));
      await sns.close();
      await tables.drop();
    }
  });
});
