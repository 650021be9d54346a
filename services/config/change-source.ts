import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Logger } from "../logging/logger.js";
import { DynamoDbStreamClient } from "../streams/retrieval/dynamodb-stream-client.js";
import { KinesisStreamClient } from "../streams/retrieval/kinesis-stream-client.js";
import type { StreamClient } from "../streams/retrieval/stream-client.js";
import { streamArnOf } from "../tables/provision.js";
import { dynamoDbStreamsClient, kinesisClient } from "./aws-clients.js";
import { ConfigError } from "./env.js";

/** The variables that name the journal's change source (each reader of it parses the same). */
export interface ChangeSourceConfig {
  /** "kinesis", else the journal table's DynamoDB stream ("dynamodb-streams"). */
  readonly CHANGE_SOURCE: string;
  readonly AWS_REGION: string;
  readonly DYNAMODB_ENDPOINT: string | undefined;
  readonly KINESIS_ENDPOINT: string | undefined;
  readonly KINESIS_STREAM: string | undefined;
  readonly JOURNAL_TABLE: string;
}

/**
 * The journal's changes as a main.ts's config names them: the journal table's DynamoDB stream,
 * or the Kinesis stream the table streams to. Nothing past this knows which it reads: both
 * implement the StreamClient port.
 */
export const openChangeSource = async (
  config: ChangeSourceConfig,
  dynamo: DynamoDBClient,
  logger: Logger,
): Promise<{ client: StreamClient; streamArn: string }> => {
  if (config.CHANGE_SOURCE !== "kinesis")
    return {
      client: new DynamoDbStreamClient(
        dynamoDbStreamsClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION }),
      ),
      streamArn: await streamArnOf(dynamo, config.JOURNAL_TABLE),
    };
  if (!config.KINESIS_STREAM)
    throw new ConfigError([
      "KINESIS_STREAM is required when CHANGE_SOURCE=kinesis (the stream's name or ARN)",
    ]);
  return {
    client: new KinesisStreamClient(
      kinesisClient({ endpoint: config.KINESIS_ENDPOINT, region: config.AWS_REGION }),
      {
        onUndecodable: (sequenceNumber, reason) =>
          logger.error(
            { sequenceNumber, reason },
            "kinesis record is not a DynamoDB change: skipped",
          ),
      },
    ),
    streamArn: config.KINESIS_STREAM,
  };
};
