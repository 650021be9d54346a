/**
 * The journal's Kinesis data stream (CHANGE_SOURCE=kinesis) as the environment addon creates
 * it: on demand, retention a parameter defaulting to 7 days, KMS-encrypted, and fed by the
 * journal table's KinesisStreamSpecification; and the consumer's manifest names that stream.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isRecord, type Json, readYaml } from "./support/cfn-yaml.js";
import { copilotDir, repoRoot, serviceManifestPath } from "./support/workspace.js";

const template = readYaml(join(copilotDir, "environments", "addons", "tables.yml"));
const at = (v: Json | undefined, ...path: string[]): Json | undefined =>
  path.reduce<Json | undefined>((o, k) => (isRecord(o) ? o[k] : undefined), v);

describe("the journal's Kinesis data stream", () => {
  const stream = at(template, "Resources", "JournalKinesisStream");

  it("is on demand, encrypted with KMS, retained for a parameter's hours (default 7 days)", () => {
    expect(at(stream, "Type")).toBe("AWS::Kinesis::Stream");
    expect(at(stream, "Properties", "StreamModeDetails", "StreamMode")).toBe("ON_DEMAND");
    expect(at(stream, "Properties", "StreamEncryption", "EncryptionType")).toBe("KMS");
    expect(at(stream, "Properties", "StreamEncryption", "KeyId")).toBe("alias/aws/kinesis");
    expect(at(stream, "Properties", "RetentionPeriodHours")).toEqual({
      Ref: "JournalKinesisRetentionHours",
    });
    expect(at(template, "Parameters", "JournalKinesisRetentionHours", "Default")).toBe(168);
  });

  it("is created, and fed by the journal table, only when JournalChangeSource is kinesis", () => {
    expect(at(stream, "Condition")).toBe("JournalToKinesis");
    expect(at(template, "Conditions", "JournalToKinesis")).toEqual({
      "Fn::Equals": [{ Ref: "JournalChangeSource" }, "kinesis"],
    });
    const spec = at(
      template,
      "Resources",
      "JournalTable",
      "Properties",
      "KinesisStreamSpecification",
    );
    expect(spec).toEqual({
      "Fn::If": [
        "JournalToKinesis",
        {
          StreamArn: { "Fn::GetAtt": ["JournalKinesisStream", "Arn"] },
          ApproximateCreationDateTimePrecision: "MILLISECOND",
        },
        { Ref: "AWS::NoValue" },
      ],
    });
  });

  it("is the stream the consumer's manifest names", () => {
    const vars = at(readYaml(serviceManifestPath("stream-consumer")), "variables");
    const dollar = "$";
    expect(at(stream, "Properties", "Name")).toEqual({
      "Fn::Sub": `${dollar}{App}-${dollar}{Env}-journal`,
    });
    expect(at(vars, "KINESIS_STREAM")).toBe(
      `${dollar}{COPILOT_APPLICATION_NAME}-${dollar}{COPILOT_ENVIRONMENT_NAME}-journal`,
    );
    expect(["dynamodb-streams", "kinesis"]).toContain(at(vars, "CHANGE_SOURCE"));
  });
});

describe("stream-consumer main.ts with CHANGE_SOURCE=kinesis", () => {
  it("refuses to start without the stream's name or ARN, saying which variable is missing", () => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "services/stream-consumer/main.ts"],
      {
        cwd: repoRoot,
        encoding: "utf8",
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "",
          CHANGE_SOURCE: "kinesis",
          JOURNAL_TABLE: "journal",
          LEASES_TABLE: "leases",
          PARKED_TABLE: "parked",
          DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
        },
        timeout: 30_000,
      },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("KINESIS_STREAM is required when CHANGE_SOURCE=kinesis");
  });
});
