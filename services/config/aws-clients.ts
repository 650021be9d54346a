import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { SNSClient } from "@aws-sdk/client-sns";
import { NodeHttpHandler } from "@smithy/node-http-handler";

export interface AwsOptions {
  /** Set for DynamoDB Local; absent on AWS. */
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
}

// DynamoDB Local accepts any credentials; on AWS the task role's credentials are used.
const localCredentials = { accessKeyId: "local", secretAccessKey: "local" };

const common = (o: AwsOptions) => ({
  region: o.region ?? "us-east-1",
  ...(o.endpoint ? { endpoint: o.endpoint, credentials: localCredentials } : {}),
  maxAttempts: 5,
  // A half-open connection must fail the call (and be retried), not hang a batch or a shutdown.
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 15_000 },
  // Resolve each command's middleware chain once, not on every call (≈ 3% of the command API's
  // CPU profile). Middleware must then be added before a client's first call, as ours is, and a
  // call with options (an abort signal) skips the cache and drops it.
  cacheMiddleware: true,
});

export const dynamoDbClient = (o: AwsOptions): DynamoDBClient => new DynamoDBClient(common(o));

export const dynamoDbStreamsClient = (o: AwsOptions): DynamoDBStreamsClient =>
  new DynamoDBStreamsClient(common(o));

/**
 * Kinesis over HTTP/1.1: the consumer polls (GetRecords), it never subscribes (SubscribeToShard
 * is the only call that needs the SDK's default HTTP/2 handler), and kinesalite speaks HTTP/1.1
 * only.
 */
export const kinesisClient = (o: AwsOptions): KinesisClient => {
  const { requestHandler, ...rest } = common(o);
  return new KinesisClient({ ...rest, requestHandler: new NodeHttpHandler(requestHandler) });
};

/** SNS (the integration publisher); `endpoint` only for a simulated SNS in tests. */
export const snsClient = (o: AwsOptions): SNSClient => new SNSClient(common(o));
