/**
 * The same system as copilot/: a VPC (public subnets for the tasks, isolated ones for Aurora,
 * no NAT), one internet-facing ALB routing /commands and /queries, the stream consumer and the
 * integration publisher (with its SNS topic), every table of services/tables, Aurora Serverless v2, least-privilege task roles, the operator CLIs as one-off
 * task definitions, and the dashboard and alarms.
 */
import { CfnOutput, CfnParameter, Stack, type StackProps } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import type { Construct } from "constructs";
import { Auth } from "./auth.js";
import type { DeployableFacts } from "./facts.js";
import { IntegrationTopic } from "./integration-topic.js";
import { Operations } from "./operations.js";
import { ReadModelDb } from "./read-model-db.js";
import { cliVariables, settingsOf } from "./settings.js";
import { ItemTables } from "./tables.js";
import { DeployableService, DeployableTask } from "./workloads.js";

export interface ItemServiceStackProps extends StackProps {
  readonly facts: readonly DeployableFacts[];
  readonly image: ecs.ContainerImage;
  /** Physical names: `<prefix>-journal`, ... (Copilot uses `<app>-<env>`). */
  readonly namePrefix: string;
}

/** One-off task sizes: a rebuild scans the whole journal. */
const CLI_SIZE: Readonly<Record<string, { cpu: number; memoryMiB: number }>> = {
  rebuild: { cpu: 1024, memoryMiB: 2048 },
};

export class ItemServiceStack extends Stack {
  readonly services = new Map<string, DeployableService>();
  readonly cliTasks = new Map<string, DeployableTask>();
  readonly operations: Operations;
  readonly vpc: ec2.Vpc;
  readonly tables: ItemTables;
  readonly db: ReadModelDb;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly auth: Auth;

  constructor(scope: Construct, id: string, props: ItemServiceStackProps) {
    super(scope, id, props);
    this.vpc = new ec2.Vpc(this, "Vpc", {
      maxAzs: 2,
      natGateways: 0,
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: "database", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    const vpc = this.vpc;
    this.tables = new ItemTables(this, "Tables", { namePrefix: props.namePrefix });
    const tables = this.tables;
    this.db = new ReadModelDb(this, "ReadModelDb", { vpc });
    const db = this.db;
    const cluster = new ecs.Cluster(this, "Cluster", {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, "LoadBalancer", {
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    });
    const loadBalancer = this.loadBalancer;
    // HTTPS only, as in Copilot's environment manifest: HTTP redirects to 443.
    const certificateArn = new CfnParameter(this, "CertificateArn", {
      type: "String",
      description: "ACM certificate (in this region) of the domain the API is served under.",
    });
    const listener = loadBalancer.addListener("Https", {
      port: 443,
      open: true,
      certificates: [elbv2.ListenerCertificate.fromArn(certificateArn.valueAsString)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      defaultAction: elbv2.ListenerAction.fixedResponse(404, {
        contentType: "application/problem+json",
        messageBody: '{"title":"Not Found","status":404}',
      }),
    });
    loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
    this.auth = new Auth(this, "Auth", { namePrefix: props.namePrefix, loadBalancer });
    const auth = this.auth;
    const integration = new IntegrationTopic(this, "IntegrationTopic", {
      namePrefix: props.namePrefix,
    });
    const wiring = { ...auth.variables, ...integration.variables };
    const topicArn = integration.topic.topicArn;

    let priority = 1;
    for (const facts of props.facts.filter((f) => f.deployable.kind === "service")) {
      const name = facts.deployable.name;
      const settings = settingsOf(name);
      const service = new DeployableService(this, pascal(name), {
        facts,
        settings,
        cluster,
        image: props.image,
        tables,
        db,
        wiring,
        topicArn,
        ...(settings.web ? { listener, priority: priority++ } : {}),
      });
      // Only the ALB reaches a web service's port.
      if (settings.web)
        service.service.connections.allowFrom(loadBalancer, ec2.Port.tcp(settings.web.port));
      this.services.set(name, service);
    }

    for (const facts of props.facts.filter((f) => f.deployable.kind === "cli")) {
      const name = facts.deployable.name;
      const reads = new Set(facts.variables.map((v) => v.name));
      this.cliTasks.set(
        name,
        new DeployableTask(this, `${pascal(name)}Cli`, {
          facts,
          image: props.image,
          tables,
          db,
          wiring,
          topicArn,
          ...(CLI_SIZE[name] ?? { cpu: 256, memoryMiB: 512 }),
          variables: Object.fromEntries(Object.entries(cliVariables).filter(([k]) => reads.has(k))),
        }),
      );
    }

    const consumer = this.service("stream-consumer");
    this.operations = new Operations(this, "Operations", {
      loadBalancer,
      apis: [...this.services]
        .filter(([, s]) => s.targetGroup)
        .map(([name, s]) => ({ name, targetGroup: s.targetGroup as elbv2.ApplicationTargetGroup })),
      consumer: consumer.service,
      consumerMinTasks: settingsOf("stream-consumer").scaling.min,
      consumerLogGroup: consumer.task.logGroup,
      cluster: db.cluster,
      tables,
    });

    new CfnOutput(this, "LoadBalancerDnsName", {
      value: loadBalancer.loadBalancerDnsName,
      description: "Point the certificate's domain (CNAME or alias) here; serve https://<domain>/.",
    });
    new CfnOutput(this, "ClusterName", { value: cluster.clusterName });
    new CfnOutput(this, "TaskSubnets", {
      value: vpc.publicSubnets.map((s) => s.subnetId).join(","),
    });
    new CfnOutput(this, "DbClientSecurityGroup", {
      value: db.clientSecurityGroup.securityGroupId,
    });
    new CfnOutput(this, "AlarmTopicArn", { value: this.operations.topic.topicArn });
    new CfnOutput(this, "DashboardName", { value: this.operations.dashboard.dashboardName });
  }

  service(name: string): DeployableService {
    const s = this.services.get(name);
    if (!s) throw new Error(`no service named ${name}`);
    return s;
  }
}

const pascal = (name: string) => name.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());
