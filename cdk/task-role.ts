/**
 * A task role granting exactly the DynamoDB (and Kinesis) actions a deployable's code calls, each
 * on the one table, its DynamoDB stream or its Kinesis data stream the call uses: the facts come from deploy-facts/, as for the
 * Copilot policies' contract test, so the two paths cannot drift apart.
 */
import * as iam from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";
import { iamPrefixOf } from "../deploy-facts/iam-actions.js";
import type { DeployableFacts } from "./facts.js";
import type { ItemTables } from "./tables.js";

export const taskRoleFor = (
  scope: Construct,
  id: string,
  facts: DeployableFacts,
  tables: ItemTables,
  /** The integration events' topic, for the deployables that publish to it. */
  topicArn?: string,
): iam.Role => {
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
    description: `Task role of ${facts.deployable.name}: only the DynamoDB actions its code calls`,
  });
  const byTarget = new Map<string, Set<string>>();
  for (const r of facts.requirements) {
    const key = `${r.table}|${r.kind}`;
    byTarget.set(key, (byTarget.get(key) ?? new Set()).add(`${iamPrefixOf(r.kind)}:${r.action}`));
  }
  for (const [key, actions] of [...byTarget].sort(([a], [b]) => a.localeCompare(b))) {
    const [name = "", kind] = key.split("|");
    if (kind === "topic") {
      if (!topicArn) throw new Error(`${facts.deployable.name} publishes, but no topic was given`);
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: [...actions].sort(), resources: [topicArn] }),
      );
      continue;
    }
    const table = tables.get(name);
    const resource =
      kind === "stream"
        ? table.tableStreamArn
        : kind === "kinesis"
          ? tables.kinesisStreamArn(name)
          : table.tableArn;
    if (!resource)
      throw new Error(`${facts.deployable.name} reads the stream of ${name}, which has none`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...actions].sort(), resources: [resource] }),
    );
  }
  return role;
};
