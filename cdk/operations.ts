/**
 * What an operator looks at and is woken by: one dashboard and the alarms, routed to an SNS
 * topic whose e-mail subscription is a stack parameter. The consumer's metrics are the EMF
 * lines services/streams/metrics/ writes; test/deploy checks every name and dimension used here
 * against what that code emits, so a renamed metric fails the build.
 */
import { CfnCondition, CfnParameter, Duration, Fn, Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as ecs from "aws-cdk-lib/aws-ecs";
import type * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import type * as logs from "aws-cdk-lib/aws-logs";
import type * as rds from "aws-cdk-lib/aws-rds";
import * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import type { ItemTables } from "./tables.js";

/** The consumer's EMF namespace and its one dimension (services/streams/metrics/emf-metrics.ts). */
export const CONSUMER_NAMESPACE = "ItemService/StreamConsumer";
export const CONSUMER_DIMENSIONS = { Service: "stream-consumer" } as const;

const consumerMetric = (metricName: string, statistic: string) =>
  new cloudwatch.Metric({
    namespace: CONSUMER_NAMESPACE,
    metricName,
    dimensionsMap: { ...CONSUMER_DIMENSIONS },
    statistic,
    period: Duration.minutes(1),
  });

export interface ApiTarget {
  readonly name: string;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
}

export interface OperationsProps {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly apis: readonly ApiTarget[];
  readonly consumer: ecs.FargateService;
  readonly consumerMinTasks: number;
  readonly consumerLogGroup: logs.ILogGroup;
  readonly cluster: rds.DatabaseCluster;
  readonly tables: ItemTables;
}

export class Operations extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const email = new CfnParameter(stack, "AlarmEmail", {
      type: "String",
      default: "",
      description: "E-mail address subscribed to the alarm topic (empty: no subscription).",
    });
    const lagThresholdMs = new CfnParameter(stack, "LagAlarmThresholdMs", {
      type: "Number",
      default: 60_000,
      minValue: 1_000,
      description: "Consumer lag (MillisBehindLatest, max over workers) that raises the alarm.",
    });
    const lagMinutes = new CfnParameter(stack, "LagAlarmMinutes", {
      type: "Number",
      default: 5,
      minValue: 1,
      description: "Minutes the lag must stay above the threshold before the alarm fires.",
    });

    this.topic = new sns.Topic(this, "AlarmTopic", { enforceSSL: true });
    const subscribe = new CfnCondition(this, "HasAlarmEmail", {
      expression: Fn.conditionNot(Fn.conditionEquals(email.valueAsString, "")),
    });
    new sns.CfnSubscription(this, "AlarmEmailSubscription", {
      topicArn: this.topic.topicArn,
      protocol: "email",
      endpoint: email.valueAsString,
    }).cfnOptions.condition = subscribe;
    const notify = new actions.SnsAction(this.topic);
    const alarm = (alarmId: string, p: cloudwatch.AlarmProps) => {
      const a = new cloudwatch.Alarm(this, alarmId, p);
      a.addAlarmAction(notify);
      a.addOkAction(notify);
      this.alarms.push(a);
      return a;
    };

    // --- consumer ---
    const lag = consumerMetric("MillisBehindLatest", "Maximum");
    const processed = consumerMetric("RecordsProcessed", "Sum");
    const parked = consumerMetric("RecordsParked", "Sum");
    const trimmed = consumerMetric("TrimmedDataDetected", "Sum");
    const runningTasks = new cloudwatch.Metric({
      namespace: "ECS/ContainerInsights",
      metricName: "RunningTaskCount",
      dimensionsMap: {
        ClusterName: props.consumer.cluster.clusterName,
        ServiceName: props.consumer.serviceName,
      },
      statistic: "Minimum",
      period: Duration.minutes(1),
    });
    alarm("ConsumerLagAlarm", {
      alarmDescription: "The stream consumer is behind the journal's stream for too long.",
      metric: lag,
      threshold: lagThresholdMs.valueAsNumber,
      evaluationPeriods: lagMinutes.valueAsNumber,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm("RecordParkedAlarm", {
      alarmDescription:
        "A record was parked after exhausting its retries: see `parked-records list`.",
      metric: parked,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm("NeedsRebuildAlarm", {
      alarmDescription:
        "The stream trimmed records the consumer had not read: a needs-rebuild marker was written; run `rebuild`.",
      metric: trimmed,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm("ConsumerTasksBelowMinimumAlarm", {
      alarmDescription: `Fewer than ${props.consumerMinTasks} stream-consumer tasks are running.`,
      metric: runningTasks,
      threshold: props.consumerMinTasks,
      evaluationPeriods: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    // --- APIs ---
    const lb = props.loadBalancer.loadBalancerFullName;
    const tgMetric = (api: ApiTarget, metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: "AWS/ApplicationELB",
        metricName,
        dimensionsMap: { LoadBalancer: lb, TargetGroup: api.targetGroup.targetGroupFullName },
        statistic,
        period: Duration.minutes(1),
        label: api.name,
      });
    const lbMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: "AWS/ApplicationELB",
        metricName,
        dimensionsMap: { LoadBalancer: lb },
        statistic: "Sum",
        period: Duration.minutes(1),
      });
    for (const api of props.apis) {
      const pascal = api.name.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());
      alarm(`${pascal}5xxRateAlarm`, {
        alarmDescription: `More than 5 % of ${api.name} responses are 5xx.`,
        metric: new cloudwatch.MathExpression({
          expression: "IF(requests > 0, 100 * errors / requests, 0)",
          usingMetrics: {
            errors: tgMetric(api, "HTTPCode_Target_5XX_Count", "Sum"),
            requests: tgMetric(api, "RequestCount", "Sum"),
          },
          period: Duration.minutes(1),
          label: `${api.name} 5xx %`,
        }),
        threshold: 5,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm(`${pascal}UnhealthyHostsAlarm`, {
        alarmDescription: `A ${api.name} task fails its load balancer health check.`,
        metric: tgMetric(api, "UnHealthyHostCount", "Maximum"),
        threshold: 1,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    // --- dashboard ---
    const graph = (title: string, left: cloudwatch.IMetric[], width = 8) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6 });
    const tables = [...props.tables.byName.entries()];
    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          graph(
            "Requests per minute, per API",
            props.apis.map((a) => tgMetric(a, "RequestCount", "Sum")),
          ),
          graph(
            "p99 latency, per API (seconds)",
            props.apis.map((a) => tgMetric(a, "TargetResponseTime", "p99")),
          ),
          graph("ALB 4xx and 5xx", [
            lbMetric("HTTPCode_ELB_4XX_Count"),
            lbMetric("HTTPCode_ELB_5XX_Count"),
            ...props.apis.flatMap((a) => [
              tgMetric(a, "HTTPCode_Target_4XX_Count", "Sum"),
              tgMetric(a, "HTTPCode_Target_5XX_Count", "Sum"),
            ]),
          ]),
        ],
        [
          graph("Consumer lag, max over workers (ms)", [lag]),
          new cloudwatch.LogQueryWidget({
            title: "Consumer lag per worker (ms)",
            logGroupNames: [props.consumerLogGroup.logGroupName],
            view: cloudwatch.LogQueryVisualizationType.LINE,
            queryLines: [
              "filter ispresent(MillisBehindLatest)",
              "stats max(MillisBehindLatest) by WorkerId, bin(1m)",
            ],
            width: 8,
            height: 6,
          }),
          graph("Records processed and parked", [processed, parked]),
        ],
        [
          graph("Needs-rebuild markers (trimmed stream detected)", [trimmed], 6),
          graph("Consumer tasks running", [runningTasks], 6),
          new cloudwatch.GraphWidget({
            title: "Aurora connections (left) and CPU % (right)",
            left: [props.cluster.metricDatabaseConnections({ period: Duration.minutes(1) })],
            right: [props.cluster.metricCPUUtilization({ period: Duration.minutes(1) })],
            width: 6,
            height: 6,
          }),
          graph(
            "DynamoDB throttled requests",
            tables.flatMap(([name, t]) =>
              ["ReadThrottleEvents", "WriteThrottleEvents"].map((m) =>
                t.metric(m, {
                  statistic: "Sum",
                  period: Duration.minutes(1),
                  label: `${name} ${m}`,
                }),
              ),
            ),
            6,
          ),
        ],
      ],
    });
  }
}
