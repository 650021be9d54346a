/**
 * The container workloads: one image for every deployable (the command picks it), a task
 * definition per deployable whose variables are wired from its facts (tables, database secret)
 * plus the literal settings, and the services behind one internet-facing ALB.
 */
import { Duration } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { tableEnvVar } from "../services/tables/definitions.js";
import type { DeployableFacts } from "./facts.js";
import type { ReadModelDb } from "./read-model-db.js";
import type { ServiceSettings } from "./settings.js";
import type { ItemTables } from "./tables.js";
import { taskRoleFor } from "./task-role.js";

export interface TaskProps {
  readonly facts: DeployableFacts;
  readonly image: ecs.ContainerImage;
  readonly tables: ItemTables;
  readonly db: ReadModelDb;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly variables: Readonly<Record<string, string>>;
  /** Values from other constructs (the AUTH_* of the user pool), set where the code reads them. */
  readonly wiring: Readonly<Record<string, string>>;
  readonly port?: number;
  readonly healthCheck?: ecs.HealthCheck;
  /** The integration events' topic (granted only to a deployable whose code publishes). */
  readonly topicArn?: string;
}

/** A Fargate task definition running one deployable of the image, with its own task role. */
export class DeployableTask extends Construct {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TaskProps) {
    super(scope, id);
    const { facts } = props;
    const name = facts.deployable.name;
    this.taskDefinition = new ecs.FargateTaskDefinition(this, "TaskDefinition", {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      family: name,
      taskRole: taskRoleFor(this, "TaskRole", facts, props.tables, props.topicArn),
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.logGroup = new logs.LogGroup(this, "Logs", { retention: logs.RetentionDays.ONE_MONTH });
    const reads = new Set(facts.variables.map((v) => v.name));
    const environment: Record<string, string> = {
      ...props.variables,
      ...Object.fromEntries(Object.entries(props.wiring).filter(([k]) => reads.has(k))),
    };
    for (const t of facts.tables) environment[tableEnvVar(t)] = props.tables.get(t).tableName;
    // A deployable that can read the journal's Kinesis data stream follows the stack parameter.
    if (facts.requirements.some((r) => r.kind === "kinesis")) {
      environment.CHANGE_SOURCE = props.tables.changeSource.valueAsString;
      environment.KINESIS_STREAM = props.tables.kinesisStreamName("journal");
    }
    this.container = this.taskDefinition.addContainer(name, {
      image: props.image,
      command: [name],
      environment,
      ...(facts.usesDatabase
        ? {
            secrets: {
              // The Aurora JSON secret; services/config/env.ts turns it into a URL.
              DATABASE_URL: ecs.Secret.fromSecretsManager(props.db.cluster.secret ?? fail(name)),
            },
          }
        : {}),
      readonlyRootFilesystem: true,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: name, logGroup: this.logGroup }),
      ...(props.port ? { portMappings: [{ containerPort: props.port }] } : {}),
      ...(props.healthCheck ? { healthCheck: props.healthCheck } : {}),
    });
  }
}

const fail = (name: string): never => {
  throw new Error(`${name} reads DATABASE_URL but the database has no secret`);
};

export interface ServiceProps {
  readonly facts: DeployableFacts;
  readonly settings: ServiceSettings;
  readonly cluster: ecs.Cluster;
  readonly image: ecs.ContainerImage;
  readonly tables: ItemTables;
  readonly db: ReadModelDb;
  readonly wiring: Readonly<Record<string, string>>;
  /** Web services register with this listener under their path. */
  readonly listener?: elbv2.ApplicationListener;
  readonly priority?: number;
  readonly topicArn?: string;
}

/** One long-running service: public subnets (no NAT), circuit breaker, CPU target scaling. */
export class DeployableService extends Construct {
  readonly service: ecs.FargateService;
  readonly task: DeployableTask;
  readonly targetGroup?: elbv2.ApplicationTargetGroup;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id);
    const { settings, facts } = props;
    const web = settings.web;
    const health = settings.containerHealth;
    this.task = new DeployableTask(this, "Task", {
      facts,
      image: props.image,
      tables: props.tables,
      db: props.db,
      cpu: settings.cpu,
      memoryMiB: settings.memoryMiB,
      variables: settings.variables,
      wiring: props.wiring,
      ...(props.topicArn ? { topicArn: props.topicArn } : {}),
      ...(web ? { port: web.port } : {}),
      ...(health
        ? {
            healthCheck: {
              command: [...health.command],
              interval: Duration.seconds(15),
              retries: 3,
              timeout: Duration.seconds(5),
              startPeriod: Duration.seconds(health.startSeconds),
            },
          }
        : {}),
    });
    const securityGroup = new ec2.SecurityGroup(this, "SecurityGroup", {
      vpc: props.cluster.vpc,
      description: `${facts.deployable.name} tasks`,
      allowAllOutbound: true,
    });
    this.service = new ecs.FargateService(this, "Service", {
      cluster: props.cluster,
      serviceName: facts.deployable.name,
      taskDefinition: this.task.taskDefinition,
      desiredCount: settings.scaling.min,
      // Public subnets with public IPs: no NAT gateway to pay for; security groups keep it closed.
      assignPublicIp: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [
        securityGroup,
        ...(facts.usesDatabase ? [props.db.clientSecurityGroup] : []),
      ],
      circuitBreaker: { enable: true, rollback: true },
      // Copilot's rolling default: start the new tasks before stopping the old ones.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      ...(web ? { healthCheckGracePeriod: Duration.seconds(web.healthGraceSeconds) } : {}),
    });
    const scaling = this.service.autoScaleTaskCount({
      minCapacity: settings.scaling.min,
      maxCapacity: settings.scaling.max,
    });
    scaling.scaleOnCpuUtilization("Cpu", { targetUtilizationPercent: settings.scaling.cpuPercent });

    if (web && props.listener) {
      this.targetGroup = props.listener.addTargets(`${id}Targets`, {
        priority: props.priority ?? 1,
        conditions: [elbv2.ListenerCondition.pathPatterns([`/${web.path}`, `/${web.path}/*`])],
        port: web.port,
        protocol: elbv2.ApplicationProtocol.HTTP, // TLS ends at the load balancer
        targets: [this.service],
        deregistrationDelay: Duration.seconds(30),
        healthCheck: {
          path: web.healthPath,
          healthyHttpCodes: "200",
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 3,
          interval: Duration.seconds(10),
          timeout: Duration.seconds(5),
        },
      });
    }
  }
}
