import { describe, expect, inject, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { createTestTables, tableName, uniqueSuffix } from "../support/infra.js";
import { startMain } from "../support/main-process.js";

// The consumer's composition root: one logger, one stream. Its own lines, the processing
// library's and the EMF metrics all go to stdout as JSON; nothing goes to stderr.
describe("services/stream-consumer/main.ts", () => {
  it("writes every line to stdout, each with its service and level, and exits 0 on SIGTERM", async () => {
    const tables = await createTestTables();
    try {
      const main = await startMain(
        "services/stream-consumer/main.ts",
        {
          DYNAMODB_ENDPOINT: inject("dynamodbEndpoint"),
          JOURNAL_TABLE: tableName(tables, "journal"),
          LEASES_TABLE: tableName(tables, "leases"),
          PARKED_TABLE: tableName(tables, "parked"),
          DATABASE_URL: inject("databaseUrl"),
          DATABASE_SCHEMA: `rm_${uniqueSuffix()}`,
          LOG_LEVEL: "info",
        },
        "/healthz",
        "HEALTH_PORT",
      );
      // Healthy before the worker has started: stop it only once it says it started.
      await eventually(
        async () => main.lines().some((l) => l.msg === "stream-consumer started") || undefined,
        { what: "the consumer to start" },
      );
      const { code, lines, stderr } = await main.terminate();
      expect(code).toBe(0);
      expect(stderr).toBe("");
      const logs = lines.filter((l) => !("_aws" in l));
      expect(logs.map((l) => l.msg)).toEqual(
        expect.arrayContaining([
          "stream-consumer started",
          "stream-consumer stopping",
          "stream-consumer stopped: leases released",
        ]),
      );
      for (const line of logs)
        expect(line).toMatchObject({ service: "stream-consumer", level: expect.any(String) });
      // EMF metric lines share the stream (CloudWatch extracts them from the same log).
      for (const line of lines.filter((l) => "_aws" in l))
        expect(line).toMatchObject({ Service: "stream-consumer" });
    } finally {
      await tables.drop();
    }
  });
});
