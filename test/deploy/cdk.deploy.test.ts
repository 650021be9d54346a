/**
 * The CDK app (cdk/): it synthesises offline, cdk-nag's AwsSolutionsChecks find nothing that is
 * not acknowledged with a reason, cfn-lint finds nothing in the template, and it deploys the
 * same system as copilot/: tables, variables, IAM actions, health checks, routing and scaling.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { App, Stack, Token, Validations } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POINT_IN_TIME_RECOVERY } from "../../cdk/tables.js";
import { iamPrefixOf } from "../../deploy-facts/iam-actions.js";
import { allTables, tableEnvVar } from "../../services/tables/definitions.js";
import { list, refId, resourcesOf, type Synthesised, synthesise } from "./support/cdk-synth.js";
import {
  fromCfnExport,
  importedExport,
  isRecord,
  type Json,
  readYaml,
} from "./support/cfn-yaml.js";
import { type Grant, grantsOf, policyProblems } from "./support/iam.js";
import {
  alarmMetrics,
  dashboardMetrics,
  emfProblems,
  emittedByConsumer,
  emittedByPublisher,
} from "./support/metrics.js";
import {
  environmentAddonPaths,
  repoRoot,
  serviceAddonPaths,
  serviceManifestPath,
} from "./support/workspace.js";

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML and CloudFormation, walked by key.
type Loose = Record<string, any>;

let synth: Synthesised;
beforeAll(async () => {
  synth = await synthesise();
}, 180_000);
afterAll(() => rmSync(synth?.outdir ?? "/nonexistent", { recursive: true, force: true }));

const t = () => synth.template;
const manifestOf = (name: string) => readYaml(serviceManifestPath(name)) as Loose;
const services = () => synth.facts.filter((f) => f.deployable.kind === "service");
const clis = () => synth.facts.filter((f) => f.deployable.kind === "cli");

/** Logical table name of a CDK table's logical id (`item-prod-journal` → journal). */
const tableOfId = (id: string | undefined): string | undefined => {
  const name = id ? t().Resources[id]?.Properties.TableName : undefined;
  return typeof name === "string" ? name.replace(/^.*-/, "") : undefined;
};
const taskDefinition = (family: string): Loose => {
  const found = resourcesOf(t(), "AWS::ECS::TaskDefinition").find(
    ([, r]) => r.Properties.Family === family,
  );
  if (!found) throw new Error(`no task definition ${family}`);
  return { id: found[0], ...found[1].Properties };
};
const serviceOf = (name: string): [string, Loose] => {
  const found = resourcesOf(t(), "AWS::ECS::Service").find(
    ([, r]) => r.Properties.ServiceName === name,
  );
  if (!found) throw new Error(`no ECS service ${name}`);
  return [found[0], found[1].Properties];
};

/** `(table, kind)` of a CDK grant's resource: a table's Arn or StreamArn, or a Kinesis ARN. */
const cdkResource = (res: Json): { table: string; kind: Grant["kind"] } | undefined => {
  const att = isRecord(res) ? res["Fn::GetAtt"] : undefined;
  const table = tableOfId(refId(res));
  if (table)
    return { table, kind: Array.isArray(att) && att[1] === "StreamArn" ? "stream" : "table" };
  const kinesis = /:kinesis:.*:stream\/.*-(\w+)"/.exec(JSON.stringify(res));
  if (kinesis?.[1]) return { table: kinesis[1], kind: "kinesis" };
  const id = refId(res);
  return id && t().Resources[id]?.Type === "AWS::SNS::Topic"
    ? { table: "integration", kind: "topic" }
    : undefined;
};

/** The grants of a CDK task role, in the shape of the Copilot ones. */
const cdkGrants = (family: string): Grant[] => {
  const role = refId(taskDefinition(family).TaskRoleArn);
  return resourcesOf(t(), "AWS::IAM::Policy")
    .filter(([, p]) => list(p.Properties.Roles).some((r: Json) => refId(r) === role))
    .flatMap(([, p]) => list(p.Properties.PolicyDocument.Statement) as Loose[])
    .flatMap((st) =>
      list(st.Action as string | string[]).flatMap((a) =>
        list(st.Resource as Json).map((res) => {
          const target = cdkResource(res);
          const [service, action = ""] = String(a).split(":");
          if (!target || service !== iamPrefixOf(target.kind))
            throw new Error(`${family}: unexpected grant ${a} on ${JSON.stringify(res)}`);
          return { action, ...target };
        }),
      ),
    );
};
const sortGrants = (g: readonly Grant[]) =>
  [...new Set(g.map((x) => `${x.table} ${x.kind} ${x.action}`))].sort();

describe("synthesis", () => {
  it("needs no AWS account and no context lookups", () => {
    expect(Token.isUnresolved(synth.stack.account), "environment-agnostic stack").toBe(true);
    const manifest = JSON.parse(readFileSync(join(synth.outdir, "manifest.json"), "utf8"));
    expect(manifest.missing ?? [], "context lookups").toEqual([]);
    expect(Object.keys(t().Resources).length).toBeGreaterThan(50);
  });

  it("is what `npm run cdk:synth` runs", () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
    expect(pkg.scripts["cdk:synth"]).toMatch(/cdk synth/);
    const cdkJson = JSON.parse(readFileSync(join(repoRoot, "cdk/cdk.json"), "utf8"));
    expect(cdkJson.app).toMatch(/main\.ts/);
  });
});

describe("cdk-nag AwsSolutionsChecks", () => {
  it("fails synthesis on a finding nobody acknowledged (so the app's passing synthesis means none)", () => {
    const app = new App();
    const stack = new Stack(app, "Control");
    const vpc = new ec2.Vpc(stack, "Vpc", { natGateways: 0, maxAzs: 1 });
    new ec2.SecurityGroup(stack, "Open", { vpc }).addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(22),
    );
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-EC23/);
  });

  it("every acknowledged finding carries its reason", () => {
    const acks = synth.stack.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((m) => Object.entries(m.data as Record<string, string>)),
      )
      .filter(([id]) => id.startsWith("AwsSolutions::"));
    expect(acks.length).toBeGreaterThan(0);
    for (const [id, reason] of acks) expect(reason.length, id).toBeGreaterThan(40);
  });
});

it("cfn-lint finds nothing in the synthesised template", { timeout: 180_000 }, () => {
  const run = spawnSync("cfn-lint", ["-r", "us-east-1", "--", synth.templatePath], {
    encoding: "utf8",
  });
  if (run.error) {
    const msg = "cfn-lint NOT FOUND: the CDK template was NOT linted (pip install cfn-lint)";
    console.warn(`\n${msg}\n`);
    expect(process.env.CI, msg).toBeFalsy();
    return;
  }
  expect(`${run.stdout}${run.stderr}`.trim()).toBe("");
});

describe("Copilot and CDK deploy the same tables", () => {
  const copilotTables = () => {
    const tmpl = environmentAddonPaths()
      .map((p) => readYaml(p) as Loose)
      .find((x) =>
        Object.values(x.Resources ?? {}).some((r) => (r as Loose).Type === "AWS::DynamoDB::Table"),
      );
    return (Object.values(tmpl?.Resources ?? {}) as Loose[]).filter(
      (r) => r.Type === "AWS::DynamoDB::Table",
    );
  };

  it.each(allTables.map((d) => d.logicalName))(
    "%s: keys, stream, TTL, recovery, protection",
    (name) => {
      const cdk = resourcesOf(t(), "AWS::DynamoDB::Table").find(
        ([id]) => tableOfId(id) === name,
      )?.[1];
      const copilot = copilotTables().find((r) =>
        r.Properties.TableName["Fn::Sub"].endsWith(`-${name}`),
      );
      expect(cdk, `CDK table ${name}`).toBeDefined();
      expect(copilot, `Copilot table ${name}`).toBeDefined();
      const c = cdk?.Properties ?? {};
      const p = copilot?.Properties ?? {};
      expect(c.KeySchema).toEqual(p.KeySchema);
      expect(c.AttributeDefinitions).toEqual(p.AttributeDefinitions);
      expect(c.BillingMode).toBe(p.BillingMode);
      expect(c.StreamSpecification?.StreamViewType).toBe(p.StreamSpecification?.StreamViewType);
      expect(c.TimeToLiveSpecification).toEqual(p.TimeToLiveSpecification);
      expect(c.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled ?? false).toBe(
        p.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled ?? false,
      );
      expect(POINT_IN_TIME_RECOVERY.has(name)).toBe(
        c.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled,
      );
      expect(c.DeletionProtectionEnabled).toBe(true);
      expect(p.DeletionProtectionEnabled).toBe(true);
      expect(cdk?.DeletionPolicy).toBe("Retain");
      expect(copilot?.DeletionPolicy).toBe("Retain");
    },
  );
});

describe.each(["command-api", "query-api", "stream-consumer", "integration-publisher"])(
  "%s: Copilot and CDK agree",
  (name) => {
    const container = () => taskDefinition(name).ContainerDefinitions[0] as Loose;

    it("sets the same variables and secrets, with the same literal values and wiring", () => {
      const m = manifestOf(name);
      const env = Object.fromEntries(
        (container().Environment as Loose[]).map((e) => [e.Name, e.Value as Json]),
      );
      const secrets = Object.fromEntries(
        (container().Secrets ?? []).map((s: Loose) => [s.Name, s.ValueFrom as Json]),
      );
      // Copilot injects a service addon's outputs as variables (the integration topic's ARN).
      const fromAddons = serviceAddonPaths(name).flatMap((p) => {
        const outputs = (readYaml(p) as Loose).Outputs ?? {};
        return Object.keys(outputs)
          .filter((o) => !o.endsWith("PolicyArn"))
          .map((o) => o.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase());
      });
      expect(Object.keys(env).sort(), "variables").toEqual(
        [...Object.keys(m.variables ?? {}), ...fromAddons].sort(),
      );
      expect(Object.keys(secrets).sort(), "secrets").toEqual(Object.keys(m.secrets ?? {}).sort());
      for (const [k, v] of Object.entries(m.variables ?? {})) {
        const exported = fromCfnExport(v as Json);
        const parameters = t().Parameters as Loose;
        if (isRecord(env[k]) && parameters[refId(env[k]) ?? ""]) {
          // A stack parameter in CDK (CHANGE_SOURCE): its default is Copilot's literal.
          expect(parameters[refId(env[k]) ?? ""].Default, k).toBe(String(v));
        } else if (exported?.endsWith("TableName")) {
          // <Table>TableName in Copilot; the same table's Ref in CDK.
          const pascal = exported.replace(/TableName$/, "");
          const table = pascal.charAt(0).toLowerCase() + pascal.slice(1);
          expect(tableEnvVar(table), k).toBe(k);
          expect(tableOfId(refId(env[k])), k).toBe(table);
        } else if (exported) {
          // Another environment export (AuthIssuer, ...): the CDK output of that name.
          const output = (t().Outputs as Loose)?.[exported];
          expect(output, `CDK output ${exported}`).toBeDefined();
          expect(env[k], k).toEqual(output?.Value);
        } else
          expect(env[k], k).toBe(
            String(v).replace(
              // biome-ignore lint/suspicious/noTemplateCurlyInString: Copilot's own placeholders.
              "${COPILOT_APPLICATION_NAME}-${COPILOT_ENVIRONMENT_NAME}",
              "item-prod",
            ),
          );
      }
      if (m.secrets?.DATABASE_URL) {
        const secret = refId(secrets.DATABASE_URL);
        expect(t().Resources[secret ?? ""]?.Type).toBe(
          "AWS::SecretsManager::SecretTargetAttachment",
        );
      }
    });

    it("grants exactly the same DynamoDB actions, which are the ones its code calls", () => {
      const facts = services().find((f) => f.deployable.name === name);
      const copilot = serviceAddonPaths(name).flatMap((p) => grantsOf(readYaml(p)));
      const cdk = cdkGrants(name);
      expect(sortGrants(cdk)).toEqual(sortGrants(copilot));
      expect(policyProblems(facts?.requirements ?? [], cdk, facts?.tables ?? [])).toEqual([]);
    });

    it("checks health on the same path and port, routes the same path, scales the same", () => {
      const m = manifestOf(name);
      const [serviceId, service] = serviceOf(name);
      expect(taskDefinition(name).Cpu).toBe(String(m.cpu));
      expect(taskDefinition(name).Memory).toBe(String(m.memory));
      expect(container().Command).toEqual(m.command);
      expect(container().ReadonlyRootFilesystem).toBe(m.storage.readonly_fs);
      const [targetId, target] =
        resourcesOf(t(), "AWS::ApplicationAutoScaling::ScalableTarget").find(([, r]) =>
          JSON.stringify(r.Properties.ResourceId).includes(serviceId),
        ) ?? [];
      const [min, max] = String(m.count.range).split("-").map(Number);
      expect([target?.Properties.MinCapacity, target?.Properties.MaxCapacity]).toEqual([min, max]);
      const policy = resourcesOf(t(), "AWS::ApplicationAutoScaling::ScalingPolicy").find(
        ([, r]) => refId(r.Properties.ScalingTargetId) === targetId,
      );
      expect(policy?.[1].Properties.TargetTrackingScalingPolicyConfiguration.TargetValue).toBe(
        m.count.cpu_percentage,
      );
      if (m.type === "Load Balanced Web Service") {
        const lb = (service.LoadBalancers as Loose[])[0];
        expect(lb?.ContainerPort).toBe(m.image.port);
        expect(container().PortMappings[0].ContainerPort).toBe(m.image.port);
        const tg = t().Resources[refId(lb?.TargetGroupArn) ?? ""]?.Properties ?? {};
        expect(tg.HealthCheckPath).toBe(m.http.healthcheck.path);
        expect(tg.Port).toBe(m.image.port);
        expect(tg.Matcher?.HttpCode).toBe(m.http.healthcheck.success_codes);
        expect(service.HealthCheckGracePeriodSeconds).toBe(
          Number.parseInt(m.http.healthcheck.grace_period, 10),
        );
        const rule = resourcesOf(t(), "AWS::ElasticLoadBalancingV2::ListenerRule").find(
          ([, r]) => refId(r.Properties.Actions[0].TargetGroupArn) === refId(lb?.TargetGroupArn),
        )?.[1];
        // Copilot's `http.path: commands` routes /commands and /commands/*.
        expect(rule?.Properties.Conditions[0].PathPatternConfig.Values).toEqual([
          `/${m.http.path}`,
          `/${m.http.path}/*`,
        ]);
      } else {
        expect(container().HealthCheck.Command).toEqual(m.image.healthcheck.command);
        expect(container().PortMappings ?? []).toEqual([]);
        expect(service.LoadBalancers ?? []).toEqual([]);
      }
    });
  },
);

describe.each(["parked-records", "rebuild"])("%s CLI: a one-off task definition", (name) => {
  it("has every variable its code requires and a role with exactly what its code calls", () => {
    const facts = clis().find((f) => f.deployable.name === name);
    const c = taskDefinition(name).ContainerDefinitions[0] as Loose;
    const given = new Set([
      ...(c.Environment as Loose[]).map((e) => e.Name),
      ...(c.Secrets ?? []).map((s: Loose) => s.Name),
    ]);
    for (const v of facts?.variables.filter((x) => x.required) ?? [])
      expect(given.has(v.name), v.name).toBe(true);
    expect(c.Command).toEqual([name]);
    const cdk = cdkGrants(name);
    expect(policyProblems(facts?.requirements ?? [], cdk, facts?.tables ?? [])).toEqual([]);
    const policyId = `${name.replace(/(^|-)(\w)/g, (_m, _d, ch: string) => ch.toUpperCase())}TaskPolicy`;
    const copilot = environmentAddonPaths().flatMap((p) => grantsOf(readYaml(p), policyId));
    expect(sortGrants(cdk)).toEqual(sortGrants(copilot));
  });
});

describe("dashboards and alarms, in both paths, use the metrics the code emits", () => {
  const emitted = emittedByConsumer(repoRoot);
  const copilotOperations = () =>
    [
      join(repoRoot, "copilot/environments/addons/operations.yml"),
      ...["command-api", "query-api", "stream-consumer", "integration-publisher"].map((s) =>
        join(repoRoot, `copilot/${s}/addons/operations.yml`),
      ),
    ].map((p) => ({ path: p, template: readYaml(p) }));
  const cdkDashboard = () => {
    const [, body] = resourcesOf(t(), "AWS::CloudWatch::Dashboard")[0] ?? [];
    const join_ = body?.Properties.DashboardBody["Fn::Join"] as [string, Json[]];
    const text = join_[1].map((p) => (typeof p === "string" ? p : "<token>")).join("");
    return dashboardMetrics(text, "CDK dashboard");
  };
  const copilotDashboard = () => {
    const env = copilotOperations()[0]?.template as Loose;
    const sub = env.Resources.OperationsDashboard.Properties.DashboardBody["Fn::Sub"];
    return dashboardMetrics(String(sub[0]).replace(/\$\{[^}]+\}/g, "<sub>"), "Copilot dashboard");
  };
  const cdkAlarms = () => alarmMetrics(t() as Json, "CDK");
  const copilotAlarms = () =>
    copilotOperations().flatMap(({ path, template }) => alarmMetrics(template, path));
  const names = (refs: readonly { namespace: string; name: string }[]) =>
    [...new Set(refs.map((r) => `${r.namespace} ${r.name}`))].sort();

  it("reads what the consumer emits: its namespace, the lag and the Service dimension", () => {
    expect(emitted.namespace).toBe("ItemService/StreamConsumer");
    expect(emitted.metrics.has("MillisBehindLatest")).toBe(true);
    expect(emitted.dimensions).toEqual({ Service: "stream-consumer" });
    expect(emitted.fields.has("WorkerId")).toBe(true);
  });

  it("CDK: every consumer metric, dimension and log field is one the code emits", () => {
    const dashboard = cdkDashboard();
    expect(emfProblems([...cdkAlarms(), ...dashboard.metrics], emitted)).toEqual([]);
    expect(dashboard.logFields.filter((f) => !emitted.fields.has(f))).toEqual([]);
    expect(dashboard.logFields).toContain("WorkerId");
  });

  it("Copilot: every consumer metric, dimension and log field is one the code emits", () => {
    const dashboard = copilotDashboard();
    expect(emfProblems([...copilotAlarms(), ...dashboard.metrics], emitted)).toEqual([]);
    expect(dashboard.logFields.filter((f) => !emitted.fields.has(f))).toEqual([]);
    expect(dashboard.logFields).toContain("WorkerId");
  });

  it("both paths alarm on the publisher's lag, parked records and lost (trimmed) events, as its code emits them", () => {
    const publisher = emittedByPublisher();
    for (const alarms of [cdkAlarms(), copilotAlarms()]) {
      const refs = alarms.filter((r) => r.namespace === publisher.namespace);
      expect(emfProblems(refs, publisher)).toEqual([]);
      expect(refs.map((r) => r.name).sort()).toEqual([
        "MillisBehindLatest",
        "RecordsParked",
        "TrimmedDataDetected",
      ]);
    }
  });

  it("both dashboards chart the publisher's published, failed, parked and lag, as its code emits them", () => {
    const publisher = emittedByPublisher();
    expect(publisher.namespace).toBe("ItemService/IntegrationPublisher");
    for (const dashboard of [cdkDashboard(), copilotDashboard()]) {
      const refs = dashboard.metrics.filter((r) => r.namespace === publisher.namespace);
      expect(emfProblems(refs, publisher)).toEqual([]);
      expect(refs.map((r) => r.name).sort()).toEqual([
        "MessagesFailed",
        "MessagesPublished",
        "MillisBehindLatest",
        "RecordsParked",
      ]);
    }
  });

  it("a renamed metric or dimension fails the check", () => {
    const refs = [...cdkAlarms(), ...cdkDashboard().metrics];
    const renamed = new Set([...emitted.metrics].filter((m) => m !== "RecordsParked"));
    expect(emfProblems(refs, { ...emitted, metrics: renamed }).join()).toMatch(/RecordsParked/);
    expect(
      emfProblems(refs, { ...emitted, dimensions: { Deployable: "stream-consumer" } }),
    ).not.toEqual([]);
  });

  it("both paths chart and alarm on the same metrics", () => {
    expect(names(cdkDashboard().metrics)).toEqual(names(copilotDashboard().metrics));
    expect(names(cdkAlarms())).toEqual(names(copilotAlarms()));
  });

  it("alarm on lag, parked records, needs-rebuild, 5xx, unhealthy hosts and missing consumer tasks", () => {
    const required = [
      "MillisBehindLatest",
      "RecordsParked",
      "TrimmedDataDetected",
      "HTTPCode_Target_5XX_Count",
      "UnHealthyHostCount",
      "RunningTaskCount",
    ];
    for (const refs of [cdkAlarms(), copilotAlarms()])
      expect(required.filter((m) => !refs.some((r) => r.name === m))).toEqual([]);
  });

  it("every alarm notifies the one topic, whose e-mail subscription is a parameter", () => {
    // The alarm topic (the integration events' topic is the other one).
    const [topicId] =
      resourcesOf(t(), "AWS::SNS::Topic").find(([id]) => id.startsWith("OperationsAlarmTopic")) ??
      [];
    for (const [id, a] of resourcesOf(t(), "AWS::CloudWatch::Alarm"))
      expect(list(a.Properties.AlarmActions).map(refId), id).toEqual([topicId]);
    const [, sub] =
      resourcesOf(t(), "AWS::SNS::Subscription").find(
        ([, r]) => r.Properties.Protocol === "email",
      ) ?? [];
    expect(sub?.Properties.Endpoint).toEqual({ Ref: "AlarmEmail" });
    expect((t().Parameters as Loose).AlarmEmail.Default).toBe("");

    for (const { path, template } of copilotOperations()) {
      const resources = Object.entries((template as Loose).Resources ?? {}) as [string, Loose][];
      for (const [id, a] of resources.filter(([, r]) => r.Type === "AWS::CloudWatch::Alarm"))
        expect(
          list(a.Properties.AlarmActions).map((x: Json) => importedExport(x) ?? refId(x)),
          `${path} ${id}`,
        ).toEqual([path.includes("environments") ? "AlarmTopic" : "AlarmTopicArn"]);
    }
    const env = copilotOperations()[0]?.template as Loose;
    expect(env.Resources.AlarmEmailSubscription.Properties.Endpoint).toEqual({ Ref: "AlarmEmail" });
    expect(env.Parameters.AlarmEmail.Default).toBe("");
  });

  it("Copilot's consumer task minimum is the manifest's", () => {
    const m = manifestOf("stream-consumer");
    const addon = readYaml(
      join(repoRoot, "copilot/stream-consumer/addons/operations.yml"),
    ) as Loose;
    expect(addon.Parameters.MinTasks.Default).toBe(Number(String(m.count.range).split("-")[0]));
  });
});
