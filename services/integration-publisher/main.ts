import { dynamoDbClient, snsClient } from "../config/aws-clients.js";
import { openChangeSource } from "../config/change-source.js";
import { optionalStr, readConfig, str } from "../config/env.js";
import { createLogger, stdoutDestination } from "../logging/logger.js";
import { runWorkerProcess } from "../streams/coordinator/worker-process.js";
import {
  streamWorkerSettings,
  streamWorkerVariables,
} from "../streams/coordinator/worker-variables.js";
import { createHeartbeat } from "../streams/health/heartbeat.js";
import { createEmfMetrics } from "../streams/metrics/emf-metrics.js";
import { createIntegrationPublisher } from "./integration-publisher.js";
import {
  createEmfPublisherMetrics,
  PUBLISHER_NAMESPACE,
  PUBLISHER_SERVICE,
} from "./publisher-metrics.js";

const config = readConfig(process.env, {
  ...streamWorkerVariables,
  PUBLISHER_LEASES_TABLE: str(),
  PUBLISHER_PARKED_TABLE: str(),
  // The SNS FIFO topic (the Copilot addon's output, injected as this variable).
  INTEGRATION_TOPIC_ARN: str(),
  // Development and tests only: a simulated SNS endpoint.
  SNS_ENDPOINT: optionalStr(),
});
const settings = streamWorkerSettings(config);

const SERVICE = PUBLISHER_SERVICE;
const stdout = stdoutDestination();
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL, destination: stdout });

const aws = { endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION };
const dynamo = dynamoDbClient(aws);
const source = await openChangeSource(config, dynamo, logger);
const id = settings.workerId;
const write = (line: string) => stdout.write(`${line}\n`);
const heartbeat = createHeartbeat();
const worker = createIntegrationPublisher({
  workerId: id,
  ...source,
  dynamo,
  tables: { leases: config.PUBLISHER_LEASES_TABLE, parked: config.PUBLISHER_PARKED_TABLE },
  sns: snsClient({ endpoint: config.SNS_ENDPOINT, region: config.AWS_REGION }),
  topicArn: config.INTEGRATION_TOPIC_ARN,
  logger,
  metrics: createEmfMetrics({
    service: SERVICE,
    namespace: PUBLISHER_NAMESPACE,
    properties: { WorkerId: id },
    write,
  }),
  publisherMetrics: createEmfPublisherMetrics({
    service: SERVICE,
    properties: { WorkerId: id },
    write,
  }),
  heartbeat,
  retryPolicy: settings.retryPolicy,
  config: settings.config,
});

const { healthPort } = await runWorkerProcess({
  name: SERVICE,
  worker,
  logger,
  heartbeat,
  ...settings.process,
});
logger.info(
  { workerId: worker.workerId, changeSource: config.CHANGE_SOURCE, healthPort },
  "integration-publisher started",
);
