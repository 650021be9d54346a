/**
 * cdk-nag AwsSolutions findings acknowledged on purpose. Each is scoped to the constructs it
 * concerns and carries its reason; anything not listed here fails synthesis.
 */
import { Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import type { ItemServiceStack } from "./item-service-stack.js";

const ack = (scope: IConstruct, id: string, reason: string) =>
  Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${id}`, reason });

export const acknowledgeFindings = (stack: ItemServiceStack): void => {
  ack(
    stack.auth.userPool,
    "COG2",
    "No MFA: the pool has no human users (admin-created only, none created); its callers are machine clients using the client-credentials grant.",
  );
  ack(
    stack.auth.userPool,
    "COG8",
    "Essentials tier, not Plus: Plus's threat protection scores user sign-ins, and this pool only issues client-credentials tokens to machine clients.",
  );
  const tasks = [...[...stack.services.values()].map((s) => s.task), ...stack.cliTasks.values()];
  for (const task of tasks) {
    ack(
      task.taskDefinition,
      "ECS2",
      "The plain variables are table names and tuning values, none secret; the one credential (DATABASE_URL) comes from Secrets Manager as an ECS secret.",
    );
    ack(
      task.taskDefinition,
      "IAM5[Resource::*]",
      "The execution role's ecr:GetAuthorizationToken supports no resource-level permission; its other grants (image pull, logs, the secret) are scoped by CDK.",
    );
  }
  for (const name of ["snapshots", "idempotency", "leases", "publisherLeases"])
    ack(
      stack.tables.get(name),
      "DDB3",
      "No point-in-time recovery (as in Copilot): snapshots are rebuilt from the journal, idempotency keys expire within a day, leases (the consumer's and the publisher's) are re-created from the stream's shards.",
    );
  ack(
    stack.loadBalancer,
    "EC23",
    "The load balancer serves the public HTTP API; the tasks behind it admit only the load balancer.",
  );
  ack(
    stack.loadBalancer,
    "ELB2",
    "No ALB access logs (as in Copilot): every request is logged by the services with its correlation id; enable them with a bucket when an audit needs them.",
  );
  ack(
    stack.vpc,
    "VPC7",
    "No VPC flow logs (as in Copilot): they cost per GB and nothing here reads them; add them when a network investigation needs them.",
  );
  ack(
    stack.db.cluster,
    "RDS6",
    "The services authenticate with the secret's password over TLS verified against the RDS CA (rds.force_ssl, sslmode=verify-full); IAM tokens expire every 15 minutes and the pg pools would need a token provider.",
  );
  ack(
    stack.db.cluster,
    "SMG4",
    "No automatic rotation: the rotation Lambda would need a route to Secrets Manager from isolated subnets (a NAT or an endpoint, ~$15-65/month), and tasks read the secret once at start. Rotate by hand and redeploy the services (docs/deploy.md).",
  );
};
