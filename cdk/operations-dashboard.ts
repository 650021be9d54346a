/** The one operations dashboard (the Copilot path's is environments/addons/operations.yml). */
import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type { Construct } from "constructs";
import type { OperationsProps } from "./operations.js";
import {
  albMetrics,
  consumerMetric,
  publisherMetric,
  runningTasksOf,
} from "./operations-metrics.js";

const graph = (title: string, left: cloudwatch.IMetric[], width = 8) =>
  new cloudwatch.GraphWidget({ title, left, width, height: 6 });

export const operationsDashboard = (
  scope: Construct,
  id: string,
  props: OperationsProps,
): cloudwatch.Dashboard => {
  const alb = albMetrics(props.loadBalancer);
  const perApi = (metricName: string, statistic: string) =>
    props.apis.map((a) => alb.ofApi(a, metricName, statistic));
  const period = { period: Duration.minutes(1) };
  return new cloudwatch.Dashboard(scope, id, {
    defaultInterval: Duration.hours(3),
    widgets: [
      [
        graph("Requests per minute, per API", perApi("RequestCount", "Sum")),
        graph("p99 latency, per API (seconds)", perApi("TargetResponseTime", "p99")),
        graph("ALB 4xx and 5xx", [
          alb.ofLoadBalancer("HTTPCode_ELB_4XX_Count"),
          alb.ofLoadBalancer("HTTPCode_ELB_5XX_Count"),
          ...perApi("HTTPCode_Target_4XX_Count", "Sum"),
          ...perApi("HTTPCode_Target_5XX_Count", "Sum"),
        ]),
      ],
      [
        graph("Consumer lag, max over workers (ms)", [
          consumerMetric("MillisBehindLatest", "Maximum"),
        ]),
        // WorkerId is a log property of the EMF lines, not a dimension: Logs Insights splits it.
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
        graph("Records processed and parked", [
          consumerMetric("RecordsProcessed", "Sum"),
          consumerMetric("RecordsParked", "Sum"),
        ]),
      ],
      [
        graph(
          "Needs-rebuild markers (trimmed stream detected)",
          [consumerMetric("TrimmedDataDetected", "Sum")],
          6,
        ),
        graph("Consumer tasks running", [runningTasksOf(props.consumer)], 6),
        new cloudwatch.GraphWidget({
          title: "Aurora connections (left) and CPU % (right)",
          left: [props.cluster.metricDatabaseConnections(period)],
          right: [props.cluster.metricCPUUtilization(period)],
          width: 6,
          height: 6,
        }),
        graph(
          "DynamoDB throttled requests",
          [...props.tables.byName.entries()].flatMap(([name, t]) =>
            ["ReadThrottleEvents", "WriteThrottleEvents"].map((m) =>
              t.metric(m, { statistic: "Sum", ...period, label: `${name} ${m}` }),
            ),
          ),
          6,
        ),
      ],
      [
        graph(
          "Integration publisher: messages published and failed",
          [publisherMetric("MessagesPublished", "Sum"), publisherMetric("MessagesFailed", "Sum")],
          12,
        ),
        new cloudwatch.GraphWidget({
          title:
            "Integration publisher: lag, max over workers (ms, left) and parked records (right)",
          left: [publisherMetric("MillisBehindLatest", "Maximum")],
          right: [publisherMetric("RecordsParked", "Sum")],
          width: 12,
          height: 6,
        }),
      ],
    ],
  });
};
