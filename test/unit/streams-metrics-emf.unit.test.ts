import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import type { ConsumerMetrics } from "../../services/streams/metrics/consumer-metrics.js";
import { createEmfMetrics, emfLine } from "../../services/streams/metrics/emf-metrics.js";
import { FakeClock } from "../support/fake-clock.js";

// The structure from the CloudWatch Embedded Metric Format specification.
const units = [
  ...["Seconds", "Microseconds", "Milliseconds", "Percent", "Count", "None"],
  ...["Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes"],
  ...["Bits", "Kilobits", "Megabits", "Gigabits", "Terabits"],
  ...["Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits"].map(
    (u) => `${u}/Second`,
  ),
  ...["Kilobits", "Megabits", "Gigabits", "Terabits", "Count"].map((u) => `${u}/Second`),
];
const emfSchema = {
  type: "object",
  required: ["_aws"],
  properties: {
    _aws: {
      type: "object",
      required: ["Timestamp", "CloudWatchMetrics"],
      properties: {
        Timestamp: { type: "integer", minimum: 0 },
        CloudWatchMetrics: {
          type: "array",
          items: {
            type: "object",
            required: ["Namespace", "Dimensions", "Metrics"],
            properties: {
              Namespace: { type: "string", minLength: 1, maxLength: 1024, pattern: "^.*\\S.*$" },
              Dimensions: {
                type: "array",
                items: {
                  type: "array",
                  maxItems: 30,
                  items: { type: "string", minLength: 1, maxLength: 250 },
                },
              },
              Metrics: {
                type: "array",
                maxItems: 100,
                items: {
                  type: "object",
                  required: ["Name"],
                  properties: {
                    Name: { type: "string", minLength: 1, maxLength: 1024 },
                    Unit: { enum: units },
                    StorageResolution: { enum: [1, 60] },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};
const validateShape = new Ajv({ allErrors: true }).compile(emfSchema);

interface Directive {
  Namespace: string;
  Dimensions: string[][];
  Metrics: Array<{ Name: string; Unit?: string }>;
}

/** Schema plus the spec's reference rules: every dimension and metric named must be a root member. */
const emfProblems = (line: string): string[] => {
  const doc = JSON.parse(line) as Record<string, unknown> & {
    _aws: { CloudWatchMetrics: Directive[] };
  };
  if (!validateShape(doc))
    return (validateShape.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  const problems: string[] = [];
  for (const d of doc._aws.CloudWatchMetrics) {
    for (const key of d.Dimensions.flat())
      if (typeof doc[key] !== "string") problems.push(`dimension ${key} is not a root string`);
    for (const m of d.Metrics) {
      const v = doc[m.Name];
      const ok =
        typeof v === "number" ||
        (Array.isArray(v) && v.length <= 100 && v.every((x) => typeof x === "number"));
      if (!ok) problems.push(`metric ${m.Name} has no numeric root value`);
    }
  }
  return problems;
};

const emitAll = (m: ConsumerMetrics) => {
  m.recordsProcessed("shard-1", 42);
  m.batchProcessed("shard-1", 1234);
  m.leasesHeld(3);
  m.leaseTaken("shard-2", true);
  m.leaseLost("shard-3");
  m.retry("shard-1");
  m.parked("item-9", 1);
  m.trimmed("shard-4", "000000000000000000017");
};

describe("EMF metrics lines", () => {
  const lines: string[] = [];
  const at = new Date("2026-11-29T05:00:00.000Z");
  emitAll(
    createEmfMetrics({
      service: "stream-consumer",
      write: (l) => lines.push(l),
      clock: new FakeClock({ start: at.getTime() }),
      properties: { WorkerId: "w-1" },
    }),
  );
  const docs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  it("are valid Embedded Metric Format, one line per report", () => {
    expect(lines).toHaveLength(8);
    for (const line of lines) {
      expect(line).not.toContain("\n");
      expect(emfProblems(line)).toEqual([]);
    }
  });

  it("carry the namespace, timestamp, the Service dimension and the values", () => {
    const aws = docs.map((d) => d._aws as { Timestamp: number; CloudWatchMetrics: Directive[] });
    expect(new Set(aws.map((a) => a.Timestamp))).toEqual(new Set([at.getTime()]));
    for (const a of aws) {
      expect(a.CloudWatchMetrics[0]?.Namespace).toBe("ItemService/StreamConsumer");
      expect(a.CloudWatchMetrics[0]?.Dimensions).toEqual([["Service"]]);
    }
    const values = Object.assign({}, ...docs) as Record<string, unknown>;
    expect(values).toMatchObject({
      Service: "stream-consumer",
      WorkerId: "w-1",
      RecordsProcessed: 42,
      BatchesProcessed: 1,
      MillisBehindLatest: 1234,
      LeasesHeld: 3,
      LeasesTaken: 1,
      LeasesStolen: 1,
      LeasesLost: 1,
      Retries: 1,
      RecordsParked: 1,
      TrimmedDataDetected: 1,
    });
    const units = aws.flatMap((a) => a.CloudWatchMetrics.flatMap((c) => c.Metrics));
    expect(units).toContainEqual({ Name: "MillisBehindLatest", Unit: "Milliseconds" });
    expect(docs[1]).toMatchObject({ ShardId: "shard-1" });
    expect(docs[7]).toMatchObject({ ShardId: "shard-4", Checkpoint: "000000000000000000017" });
  });

  it("the checker rejects lines that break the specification", () => {
    const good = emfLine({
      namespace: "N",
      timestamp: at,
      dimensions: { Service: "s" },
      metrics: [{ name: "M", unit: "Count", value: 1 }],
    });
    expect(emfProblems(good)).toEqual([]);
    const doc = JSON.parse(good) as Record<string, unknown>;
    expect(emfProblems(JSON.stringify({ ...doc, M: "1" }))).toEqual([
      "metric M has no numeric root value",
    ]);
    expect(emfProblems(JSON.stringify({ ...doc, Service: undefined }))).toEqual([
      "dimension Service is not a root string",
    ]);
    const badUnit = good.replace('"Unit":"Count"', '"Unit":"Things"');
    expect(emfProblems(badUnit).length).toBeGreaterThan(0);
  });
});
