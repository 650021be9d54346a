/**
 * The metrics the dashboard and the alarms read. The consumer's are the EMF lines
 * services/streams/metrics/ writes; test/deploy checks every name and dimension used here
 * against what that code emits, so a renamed metric fails the build.
 */
import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as ecs from "aws-cdk-lib/aws-ecs";
import type * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import {
  PUBLISHER_NAMESPACE,
  PUBLISHER_SERVICE,
} from "../services/integration-publisher/publisher-metrics.js";
import { CONSUMER_NAMESPACE } from "../services/streams/metrics/emf-metrics.js";

/** The consumer's EMF namespace and its one dimension (services/streams/metrics/emf-metrics.ts). */
export { CONSUMER_NAMESPACE, PUBLISHER_NAMESPACE };
export const CONSUMER_DIMENSIONS = { Service: "stream-consumer" } as const;

const PERIOD = Duration.minutes(1);

/** A one-minute metric of one EMF namespace and its dimensions. */
const emfMetric =
  (namespace: string, dimensions: Readonly<Record<string, string>>) =>
  (metricName: string, statistic: string): cloudwatch.Metric =>
    new cloudwatch.Metric({
      namespace,
      metricName,
      dimensionsMap: { ...dimensions },
      statistic,
      period: PERIOD,
    });

export const consumerMetric = emfMetric(CONSUMER_NAMESPACE, CONSUMER_DIMENSIONS);

/** The integration publisher's EMF metrics (services/integration-publisher/publisher-metrics.ts). */
export const PUBLISHER_DIMENSIONS = { Service: PUBLISHER_SERVICE } as const;

export const publisherMetric = emfMetric(PUBLISHER_NAMESPACE, PUBLISHER_DIMENSIONS);

/** Container Insights' running task count of a service (needs Container Insights on). */
export const runningTasksOf = (service: ecs.FargateService): cloudwatch.Metric =>
  new cloudwatch.Metric({
    namespace: "ECS/ContainerInsights",
    metricName: "RunningTaskCount",
    dimensionsMap: {
      ClusterName: service.cluster.clusterName,
      ServiceName: service.serviceName,
    },
    statistic: "Minimum",
    period: PERIOD,
  });

export interface ApiTarget {
  readonly name: string;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
}

/** Load balancer metrics: of one API's target group, or of the whole load balancer. */
export const albMetrics = (loadBalancer: elbv2.ApplicationLoadBalancer) => ({
  ofApi: (api: ApiTarget, metricName: string, statistic: string): cloudwatch.Metric =>
    new cloudwatch.Metric({
      namespace: "AWS/ApplicationELB",
      metricName,
      dimensionsMap: {
        LoadBalancer: loadBalancer.loadBalancerFullName,
        TargetGroup: api.targetGroup.targetGroupFullName,
      },
      statistic,
      period: PERIOD,
      label: api.name,
    }),
  ofLoadBalancer: (metricName: string): cloudwatch.Metric =>
    new cloudwatch.Metric({
      namespace: "AWS/ApplicationELB",
      metricName,
      dimensionsMap: { LoadBalancer: loadBalancer.loadBalancerFullName },
      statistic: "Sum",
      period: PERIOD,
    }),
});
