/**
 * What an operator looks at and is woken by: the alarms, routed to an SNS topic whose e-mail
 * subscription is a stack parameter, and the dashboard (operations-dashboard.ts). The Copilot
 * path raises the same alarms from its addons (copilot/ operations.yml files).
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
import { operationsDashboard } from "./operations-dashboard.js";
import {
  type ApiTarget,
  albMetrics,
  consumerMetric,
  publisherMetric,
  runningTasksOf,
} from "./operations-metrics.js";
import { numberParameter } from "./parameters.js";
import type { ItemTables } from "./tables.js";

export interface OperationsProps {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly apis: readonly ApiTarget[];
  readonly consumer: ecs.FargateService;
  readonly consumerMinTasks: number;
  readonly consumerLogGroup: logs.ILogGroup;
  readonly cluster: rds.DatabaseCluster;
  readonly tables: ItemTables;
}

const { GREATER_THAN_THRESHOLD, GREATER_THAN_OR_EQUAL_TO_THRESHOLD, LESS_THAN_THRESHOLD } =
  cloudwatch.ComparisonOperator;
const { NOT_BREACHING, BREACHING } = cloudwatch.TreatMissingData;

export class Operations extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly notify: actions.SnsAction;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    this.topic = this.alarmTopic();
    this.notify = new actions.SnsAction(this.topic);
    this.consumerAlarms(props);
    this.publisherAlarms();
    for (const api of props.apis) this.apiAlarms(props.loadBalancer, api);
    this.dashboard = operationsDashboard(this, "Dashboard", props);
  }

  /** The topic every alarm notifies; AlarmEmail (empty: none) is its e-mail subscription. */
  private alarmTopic(): sns.Topic {
    const email = new CfnParameter(Stack.of(this), "AlarmEmail", {
      type: "String",
      default: "",
      description: "E-mail address subscribed to the alarm topic (empty: no subscription).",
    });
    const topic = new sns.Topic(this, "AlarmTopic", { enforceSSL: true });
    const subscribe = new CfnCondition(this, "HasAlarmEmail", {
      expression: Fn.conditionNot(Fn.conditionEquals(email.valueAsString, "")),
    });
    new sns.CfnSubscription(this, "AlarmEmailSubscription", {
      topicArn: topic.topicArn,
      protocol: "email",
      endpoint: email.valueAsString,
    }).cfnOptions.condition = subscribe;
    return topic;
  }

  /** The integration publisher's (copilot/integration-publisher/addons/operations.yml). */
  private publisherAlarms(): void {
    this.alarm("PublisherLagAlarm", {
      alarmDescription:
        "The integration publisher is more than a minute behind the journal's stream for 5 minutes.",
      metric: publisherMetric("MillisBehindLatest", "Maximum"),
      threshold: 60_000,
      evaluationPeriods: 5,
      comparisonOperator: GREATER_THAN_THRESHOLD,
      treatMissingData: NOT_BREACHING,
    });
    this.alarm("PublisherRecordParkedAlarm", {
      alarmDescription:
        "The integration publisher parked a record: its item's events stop reaching subscribers (docs/integration-events.md).",
      metric: publisherMetric("RecordsParked", "Sum"),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: NOT_BREACHING,
    });
    this.alarm("PublisherEventsLostAlarm", {
      alarmDescription:
        "The stream trimmed records the integration publisher had not published: their integration events are lost to subscribers; the error log names the shard and checkpoint (docs/integration-events.md).",
      metric: publisherMetric("TrimmedDataDetected", "Sum"),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: NOT_BREACHING,
    });
  }

  /** An alarm that notifies the topic when it fires and when it recovers. */
  private alarm(alarmId: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const a = new cloudwatch.Alarm(this, alarmId, props);
    a.addAlarmAction(this.notify);
    a.addOkAction(this.notify);
    this.alarms.push(a);
    return a;
  }

  private consumerAlarms(props: OperationsProps): void {
    const lagThresholdMs = numberParameter(this, "LagAlarmThresholdMs", {
      default: 60_000,
      minValue: 1_000,
      description: "Consumer lag (MillisBehindLatest, max over workers) that raises the alarm.",
    });
    const lagMinutes = numberParameter(this, "LagAlarmMinutes", {
      default: 5,
      minValue: 1,
      description: "Minutes the lag must stay above the threshold before the alarm fires.",
    });
    this.alarm("ConsumerLagAlarm", {
      alarmDescription: "The stream consumer is behind the journal's stream for too long.",
      metric: consumerMetric("MillisBehindLatest", "Maximum"),
      threshold: lagThresholdMs,
      evaluationPeriods: lagMinutes,
      comparisonOperator: GREATER_THAN_THRESHOLD,
      treatMissingData: NOT_BREACHING,
    });
    this.alarm("RecordParkedAlarm", {
      alarmDescription:
        "A record was parked after exhausting its retries: see `parked-records list`.",
      metric: consumerMetric("RecordsParked", "Sum"),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: NOT_BREACHING,
    });
    this.alarm("NeedsRebuildAlarm", {
      alarmDescription:
        "The stream trimmed records the consumer had not read: a needs-rebuild marker was written; run `rebuild`.",
      metric: consumerMetric("TrimmedDataDetected", "Sum"),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: NOT_BREACHING,
    });
    this.alarm("ConsumerTasksBelowMinimumAlarm", {
      alarmDescription: `Fewer than ${props.consumerMinTasks} stream-consumer tasks are running.`,
      metric: runningTasksOf(props.consumer),
      threshold: props.consumerMinTasks,
      evaluationPeriods: 5,
      comparisonOperator: LESS_THAN_THRESHOLD,
      // No data means no task reports at all.
      treatMissingData: BREACHING,
    });
  }

  private apiAlarms(loadBalancer: elbv2.ApplicationLoadBalancer, api: ApiTarget): void {
    const alb = albMetrics(loadBalancer);
    const pascal = api.name.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());
    this.alarm(`${pascal}5xxRateAlarm`, {
      alarmDescription: `More than 5 % of ${api.name} responses are 5xx.`,
      metric: new cloudwatch.MathExpression({
        expression: "IF(requests > 0, 100 * errors / requests, 0)",
        usingMetrics: {
          errors: alb.ofApi(api, "HTTPCode_Target_5XX_Count", "Sum"),
          requests: alb.ofApi(api, "RequestCount", "Sum"),
        },
        period: Duration.minutes(1),
        label: `${api.name} 5xx %`,
      }),
      threshold: 5,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      comparisonOperator: GREATER_THAN_THRESHOLD,
      treatMissingData: NOT_BREACHING,
    });
    this.alarm(`${pascal}UnhealthyHostsAlarm`, {
      alarmDescription: `A ${api.name} task fails its load balancer health check.`,
      metric: alb.ofApi(api, "UnHealthyHostCount", "Maximum"),
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: NOT_BREACHING,
    });
  }
}
