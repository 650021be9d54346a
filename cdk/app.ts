/**
 * Builds the CDK app: the stack from the deployables' facts, cdk-nag's AwsSolutionsChecks, and
 * the acknowledged findings (each with its reason, cdk/nag.ts). No lookups: it synthesises with
 * no AWS account.
 */
import { App, Validations } from "aws-cdk-lib";
import { Platform } from "aws-cdk-lib/aws-ecr-assets";
import * as ecs from "aws-cdk-lib/aws-ecs";
import { AwsSolutionsChecks } from "cdk-nag";
import type { DeployableFacts } from "./facts.js";
import { ItemServiceStack } from "./item-service-stack.js";
import { acknowledgeFindings } from "./nag.js";

export interface BuildOptions {
  readonly repoRoot: string;
  readonly facts: readonly DeployableFacts[];
  /** Where the cloud assembly goes (cdk.out). */
  readonly outdir?: string;
  readonly stackName?: string;
  readonly namePrefix?: string;
}

export const buildApp = (options: BuildOptions): { app: App; stack: ItemServiceStack } => {
  const app = new App({ ...(options.outdir ? { outdir: options.outdir } : {}) });
  const stack = new ItemServiceStack(app, options.stackName ?? "ItemService", {
    facts: options.facts,
    // The Dockerfile at the repository's root; .dockerignore keeps cdk/ and tests out of it.
    image: ecs.ContainerImage.fromAsset(options.repoRoot, { platform: Platform.LINUX_AMD64 }),
    namePrefix: options.namePrefix ?? "item-prod",
    description: "Item service (CQRS/ES): APIs, stream consumer, tables, read model, alarms",
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  acknowledgeFindings(stack);
  return { app, stack };
};
