/**
 * The integration events' SNS FIFO topic and an example subscriber, as Copilot's
 * copilot/integration-publisher/addons/integration-topic.yml declares them: content-based
 * deduplication off (the publisher sets the event id), encrypted with the AWS managed key, TLS
 * only; an SQS FIFO queue with a dead-letter queue and redrive, subscribed with raw delivery.
 */
import { Duration } from "aws-cdk-lib";
import * as kms from "aws-cdk-lib/aws-kms";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export class IntegrationTopic extends Construct {
  readonly topic: sns.Topic;
  /** What the publisher reads (its main.ts): the topic's ARN. */
  readonly variables: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: { readonly namePrefix: string }) {
    super(scope, id);
    this.topic = new sns.Topic(this, "Topic", {
      topicName: `${props.namePrefix}-item-events`,
      fifo: true,
      contentBasedDeduplication: false,
      masterKey: kms.Alias.fromAliasName(this, "SnsKey", "alias/aws/sns"),
      enforceSSL: true,
    });
    this.variables = { INTEGRATION_TOPIC_ARN: this.topic.topicArn };

    // Example subscriber: a downstream service would own this in its own stack.
    const deadLetterQueue = new sqs.Queue(this, "ExampleSubscriberDeadLetterQueue", {
      queueName: `${props.namePrefix}-item-events-example-dlq.fifo`,
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const queue = new sqs.Queue(this, "ExampleSubscriberQueue", {
      queueName: `${props.namePrefix}-item-events-example.fifo`,
      fifo: true,
      contentBasedDeduplication: false,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(60),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
    });
    this.topic.addSubscription(
      new subscriptions.SqsSubscription(queue, { rawMessageDelivery: true }),
    );
  }
}
