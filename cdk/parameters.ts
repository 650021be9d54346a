import { CfnParameter, Stack } from "aws-cdk-lib";
import type { Construct } from "constructs";

export interface NumberParameterProps {
  readonly default: number;
  readonly minValue: number;
  readonly maxValue?: number;
  /** What the number sets, shown to whoever deploys the stack. */
  readonly description: string;
}

/** A deploy-time number of the stack (a CloudFormation parameter with a default), as a token. */
export const numberParameter = (scope: Construct, id: string, props: NumberParameterProps) =>
  new CfnParameter(Stack.of(scope), id, { type: "Number", ...props }).valueAsNumber;
