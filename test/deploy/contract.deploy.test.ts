/**
 * The deploy files agree with the code: every variable a deployable reads is provided, every
 * DynamoDB action it can call is granted (and nothing else), the tables equal the code's table
 * definitions, and health checks hit routes that exist. Facts come from the source, not copies.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { analyse, type Graph } from "../../deploy-facts/code-graph.js";
import { type ConfigVar, readConfigSpec } from "../../deploy-facts/config-spec.js";
import { type Deployable, deployables } from "../../deploy-facts/deployables.js";
import { onConfiguredTables, requirementsOf } from "../../deploy-facts/iam-actions.js";
import { ConfigProblem } from "../../services/config/env.js";
import { allTables, createTableInput, tableEnvVar } from "../../services/tables/definitions.js";
import { fromCfnExport, isRecord, type Json, readYaml } from "./support/cfn-yaml.js";
import { grantsOf, policyProblems } from "./support/iam.js";
import {
  environmentAddonPaths,
  environmentExports,
  repoRoot,
  serviceAddonPaths,
  serviceManifestPath,
  serviceNames,
} from "./support/workspace.js";

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, walked by key; the schema test types it.
type Manifest = Record<string, any>;

/** Set by ECS on every Fargate task; a default in code is a fallback for local runs only. */
const PLATFORM_PROVIDED = new Set(["AWS_REGION"]);
/** Local-only switches that must never reach AWS. */
const LOCAL_ONLY = new Set(["DYNAMODB_ENDPOINT"]);
/** ECS's default stopTimeout: SIGKILL this long after SIGTERM. */
const ECS_STOP_TIMEOUT_MS = 30_000;
const SECRET_NAME = /URL|PASSWORD|SECRET|TOKEN|CREDENTIAL/;

const pascal = (logical: string) => logical.charAt(0).toUpperCase() + logical.slice(1);

interface Facts {
  readonly deployable: Deployable;
  readonly config: ConfigVar[];
  readonly graph: Graph;
  readonly tables: string[];
  readonly literals: Set<string>;
}

const stringLiterals = (files: readonly string[]): Set<string> => {
  const out = new Set<string>();
  for (const f of files)
    for (const m of readFileSync(join(repoRoot, f), "utf8").matchAll(/["'`](\/[^"'`$]*)["'`]/g))
      if (m[1]) out.add(m[1]);
  return out;
};

const facts = new Map<string, Facts>();
const all = deployables(repoRoot);
const services = all.filter((d) => d.kind === "service");

beforeAll(async () => {
  for (const d of all) {
    const config = await readConfigSpec(repoRoot, d.main);
    const graph = analyse(
      repoRoot,
      d.main,
      allTables.map((t) => t.logicalName),
    );
    const tables = allTables
      .map((t) => t.logicalName)
      .filter((t) => config.some((c) => c.name === tableEnvVar(t)));
    facts.set(d.name, {
      deployable: d,
      config,
      graph,
      tables,
      literals: stringLiterals(graph.files),
    });
  }
});

const factsOf = (name: string): Facts => {
  const f = facts.get(name);
  if (!f) throw new Error(`no facts for ${name}`);
  return f;
};
const manifestOf = (name: string) => readYaml(serviceManifestPath(name)) as Manifest;

/** The value a variable has in the task: the manifest's literal, else the code's default. */
const effective = (f: Facts, m: Manifest, name: string): unknown => {
  const v = m.variables?.[name];
  if (v !== undefined && !isRecord(v))
    return f.config.find((c) => c.name === name)?.spec.parse(String(v), name);
  return f.config.find((c) => c.name === name)?.fallback;
};

describe("every long-running service has a manifest and every manifest a service", () => {
  it("matches services/*/main.ts to copilot/*/manifest.yml", () => {
    expect(serviceNames()).toEqual(services.map((s) => s.name).sort());
  });
});

/**
 * Copilot injects a service addon's outputs as variables (`IntegrationTopicArn` →
 * `INTEGRATION_TOPIC_ARN`), except managed policies, which it attaches to the task role.
 */
const addonVariables = (name: string): string[] =>
  serviceAddonPaths(name).flatMap((p) => {
    const t = readYaml(p);
    const outputs = isRecord(t) && isRecord(t.Outputs) ? Object.keys(t.Outputs) : [];
    return outputs
      .filter((o) => !o.endsWith("PolicyArn"))
      .map((o) => o.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase());
  });

describe.each(services.map((s) => s.name))("%s: configuration", (name) => {
  it("gets every variable it requires from its manifest, its addons' outputs or the platform", () => {
    const f = factsOf(name);
    const m = manifestOf(name);
    const provided = new Set([
      ...Object.keys(m.variables ?? {}),
      ...Object.keys(m.secrets ?? {}),
      ...addonVariables(name),
    ]);
    const missing = f.config
      .filter((c) => c.required && !provided.has(c.name) && !PLATFORM_PROVIDED.has(c.name))
      .map((c) => c.name);
    expect(missing, "required by readConfig in main.ts, absent from the manifest").toEqual([]);
  });

  it("sets only variables the code reads, with values the code accepts", () => {
    const f = factsOf(name);
    const m = manifestOf(name);
    const known = new Set(f.config.map((c) => c.name));
    const set = [...Object.keys(m.variables ?? {}), ...Object.keys(m.secrets ?? {})];
    expect(
      set.filter((k) => !known.has(k)),
      "set in the manifest, never read",
    ).toEqual([]);
    expect(
      set.filter((k) => LOCAL_ONLY.has(k)),
      "local-only settings",
    ).toEqual([]);
    for (const [k, v] of Object.entries(m.variables ?? {})) {
      if (isRecord(v as Json)) continue;
      const parsed = f.config.find((c) => c.name === k)?.spec.parse(String(v), k);
      expect(parsed instanceof ConfigProblem ? parsed.message : "ok", `${k}=${String(v)}`).toBe(
        "ok",
      );
    }
  });

  it("finishes its graceful shutdown before ECS's 30 s stop timeout sends SIGKILL", () => {
    const f = factsOf(name);
    const m = manifestOf(name);
    for (const c of f.config.filter((v) => /GRACE_MS$/.test(v.name)))
      expect(Number(effective(f, m, c.name)), c.name).toBeLessThan(ECS_STOP_TIMEOUT_MS);
  });

  it("receives credentials as secrets, never as plain variables", () => {
    const m = manifestOf(name);
    expect(Object.keys(m.variables ?? {}).filter((k) => SECRET_NAME.test(k))).toEqual([]);
    for (const v of Object.values(m.secrets ?? {})) expect(fromCfnExport(v as Json)).toBeDefined();
  });

  it("points each <TABLE>_TABLE variable at that table's exported name", () => {
    const f = factsOf(name);
    const m = manifestOf(name);
    for (const t of f.tables)
      expect(fromCfnExport(m.variables?.[tableEnvVar(t)]), tableEnvVar(t)).toBe(
        `${pascal(t)}TableName`,
      );
  });

  it("imports only exports the environment addons define", () => {
    const m = manifestOf(name);
    const exports = environmentExports();
    const refs = [
      ...Object.values(m.variables ?? {}),
      ...Object.values(m.secrets ?? {}),
      ...(m.network?.vpc?.security_groups ?? []),
    ]
      .filter((v) => isRecord(v as Json))
      .map((v) => fromCfnExport(v as Json));
    for (const r of refs) expect(r && exports.has(r), String(r)).toBe(true);
  });

  it("reaches the read-model database only with its secret and security group", () => {
    const m = manifestOf(name);
    const usesDb = factsOf(name).config.some((c) => c.name === "DATABASE_URL");
    expect(fromCfnExport(m.secrets?.DATABASE_URL)).toBe(
      usesDb ? "ReadModelDbSecretArn" : undefined,
    );
    const groups = (m.network?.vpc?.security_groups ?? []).map((g: Json) => fromCfnExport(g));
    expect(groups.includes("ReadModelDbClientSecurityGroup")).toBe(usesDb);
  });
});

describe.each(services.map((s) => s.name))("%s: IAM policy", (name) => {
  it("grants exactly the DynamoDB, Kinesis and SNS actions its reachable code calls, on the right resources", () => {
    const f = factsOf(name);
    const required = onConfiguredTables(requirementsOf(f.graph), f.tables);
    const grants = serviceAddonPaths(name).flatMap((p) => grantsOf(readYaml(p)));
    expect(policyProblems(required, grants, f.tables)).toEqual([]);
  });
});

const clis = all.filter((d) => d.kind === "cli");
const taskPolicyId = (cli: string) =>
  `${cli.replace(/(^|-)(\w)/g, (_, _d, c: string) => c.toUpperCase())}TaskPolicy`;

describe.each(clis.map((c) => c.name))("%s CLI (one-off task)", (name) => {
  it("has a task role whose policy grants exactly what its code calls", () => {
    const f = factsOf(name);
    const template = environmentAddonPaths()
      .map((p) => readYaml(p) as Manifest)
      .find((t) => t.Resources?.[taskPolicyId(name)] !== undefined);
    expect(template, `an environment addon defines ${taskPolicyId(name)}`).toBeDefined();
    const grants = grantsOf(template as Json, taskPolicyId(name));
    const required = onConfiguredTables(requirementsOf(f.graph), f.tables);
    expect(policyProblems(required, grants, f.tables)).toEqual([]);
  });

  it("is documented as a one-off task with its role and every required variable", () => {
    const docs = readFileSync(join(repoRoot, "docs/deploy.md"), "utf8");
    const role = taskPolicyId(name).replace(/Policy$/, "RoleArn");
    const block = docs
      .split(/\n(?=#)/)
      .find((s) => s.includes(role) && s.includes("copilot task run"));
    expect(block, `docs/deploy.md section running ${name} with ${role}`).toBeDefined();
    for (const c of factsOf(name).config.filter((v) => v.required))
      expect(block, `${c.name} passed to ${name}`).toContain(c.name);
  });
});

describe("least privilege, as the issue states it", () => {
  const grants = (name: string) => serviceAddonPaths(name).flatMap((p) => grantsOf(readYaml(p)));
  const writes = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"]);

  it("the command API cannot read the stream", () => {
    expect(grants("command-api").filter((g) => g.kind === "stream")).toEqual([]);
  });
  it("the query API cannot write the journal", () => {
    expect(
      grants("query-api").filter((g) => g.table === "journal" && writes.has(g.action)),
    ).toEqual([]);
  });
  it("the stream consumer reads the stream and writes leases, but never the journal", () => {
    const g = grants("stream-consumer");
    expect(
      g
        .filter((x) => x.kind === "stream")
        .map((x) => x.action)
        .sort(),
    ).toEqual(expect.arrayContaining(["GetRecords", "GetShardIterator"]));
    expect(g.some((x) => x.table === "leases" && writes.has(x.action))).toBe(true);
    expect(g.filter((x) => x.table === "journal" && writes.has(x.action))).toEqual([]);
  });
  it("the parked-records task may list, show and discard the publisher's parked records, but neither publish nor write them", () => {
    const template = readYaml(join(repoRoot, "copilot/environments/addons/ops-tasks.yml"));
    const onPublisherParked = grantsOf(template, "ParkedRecordsTaskPolicy")
      .filter((g) => g.table === "publisherParked")
      .map((g) => g.action)
      .sort();
    expect(onPublisherParked).toEqual(["DeleteItem", "Query", "Scan"]);
    expect(grantsOf(template).filter((g) => g.kind === "topic")).toEqual([]);
  });
  it("only the integration publisher may publish, and only sns:Publish on the integration topic", () => {
    for (const name of services.map((s) => s.name)) {
      const topic = grants(name).filter((g) => g.kind === "topic");
      expect({ name, topic }).toEqual({
        name,
        topic:
          name === "integration-publisher"
            ? [{ action: "Publish", kind: "topic", table: "integration" }]
            : [],
      });
    }
  });
});

describe.each(services.map((s) => s.name))("%s: health check and routing", (name) => {
  it("checks a route that exists, on the port the service listens on", () => {
    const f = factsOf(name);
    const m = manifestOf(name);
    if (m.type === "Load Balanced Web Service") {
      const path: string = m.http.healthcheck.path;
      expect(path.split("/")[1], "health check under the service's ALB path").toBe(m.http.path);
      const prefix = `/${m.http.path}`;
      const routed =
        f.literals.has(path) ||
        (f.literals.has(prefix) && f.literals.has(path.slice(prefix.length)));
      expect(routed, `${path} is a route literal in ${name}'s code`).toBe(true);
      expect(m.image.port).toBe(effective(f, m, "PORT"));
    } else {
      const cmd = (m.image.healthcheck.command as string[]).join(" ");
      const url = /http:\/\/127\.0\.0\.1:(\d+)(\/[\w/-]*)/.exec(cmd);
      expect(url, "health check command calls a loopback URL").not.toBeNull();
      const port = Number(url?.[1]);
      const portVars = f.config.filter((c) => /(^|_)PORT$/.test(c.name)).map((c) => c.name);
      expect(
        portVars,
        `${name} reads no *PORT variable: its health endpoint (services/streams/health) must listen on the port its manifest health check calls (${port})`,
      ).not.toEqual([]);
      expect(portVars.map((v) => effective(f, m, v))).toContain(port);
      expect(f.literals.has(url?.[2] ?? ""), `${url?.[2]} is a route in ${name}'s code`).toBe(true);
      expect(m.image.port, "a backend service publishes no port").toBeUndefined();
    }
  });
});

describe("the stream consumer shares its leases", () => {
  it("runs at least two workers", () => {
    const m = manifestOf("stream-consumer");
    const [min, max] = String(m.count.range).split("-").map(Number);
    expect(m.type).toBe("Backend Service");
    expect(min).toBeGreaterThanOrEqual(2);
    expect(max).toBeGreaterThanOrEqual(min ?? 0);
  });
});

describe("the environment's tables equal services/tables/definitions.ts", () => {
  const resources = (t: Manifest | undefined): Manifest[] => Object.values(t?.Resources ?? {});
  const template = environmentAddonPaths()
    .map((p) => readYaml(p) as Manifest)
    .find((t) => resources(t).some((r) => r.Type === "AWS::DynamoDB::Table"));
  const tables = resources(template).filter((r) => r.Type === "AWS::DynamoDB::Table");
  const byLogical = (logical: string) =>
    tables.find((t) => t.Properties.TableName?.["Fn::Sub"] === `\${App}-\${Env}-${logical}`);

  it("defines one table per definition and no other", () => {
    expect(tables.map((t) => t.Properties.TableName?.["Fn::Sub"]).sort()).toEqual(
      allTables.map((d) => `\${App}-\${Env}-${d.logicalName}`).sort(),
    );
  });

  it.each(allTables.map((d) => [d.logicalName, d] as const))("%s", (logical, def) => {
    const p = byLogical(logical)?.Properties;
    const expected = createTableInput(def, "x");
    expect(p.KeySchema).toEqual(expected.KeySchema);
    expect(p.AttributeDefinitions).toEqual(expected.AttributeDefinitions);
    expect(p.BillingMode).toBe(expected.BillingMode);
    expect(p.StreamSpecification?.StreamViewType).toBe(def.stream);
    expect(p.TimeToLiveSpecification).toEqual(
      def.ttlAttribute ? { AttributeName: def.ttlAttribute, Enabled: true } : undefined,
    );
    expect(p.DeletionProtectionEnabled).toBe(true);
    const exports = environmentExports();
    expect(exports.has(`${pascal(logical)}TableName`)).toBe(true);
    expect(exports.has(`${pascal(logical)}TableArn`)).toBe(true);
    expect(exports.has(`${pascal(logical)}StreamArn`)).toBe(def.stream !== undefined);
  });

  it("keeps the journal recoverable: point-in-time recovery and retained on stack deletion", () => {
    const journal = byLogical("journal");
    expect(journal?.Properties.PointInTimeRecoverySpecification).toEqual({
      PointInTimeRecoveryEnabled: true,
    });
    expect(journal?.DeletionPolicy).toBe("Retain");
  });
});
