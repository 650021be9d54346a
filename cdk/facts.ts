/**
 * What each deployable needs from its platform, read from its source (deploy-facts/): the
 * variables its main.ts reads, the tables it is configured with, and the DynamoDB actions its
 * reachable code calls, each on one named table. The CDK app grants exactly these.
 */
import { analyse } from "../deploy-facts/code-graph.js";
import { readConfigSpec } from "../deploy-facts/config-spec.js";
import { type Deployable, deployables } from "../deploy-facts/deployables.js";
import {
  onConfiguredTables,
  type Requirement,
  requirementsOf,
} from "../deploy-facts/iam-actions.js";
import { allTables, tableEnvVar } from "../services/tables/definitions.js";

export interface DeployableFacts {
  readonly deployable: Deployable;
  /** Every variable the deployable reads, with whether start-up fails without it. */
  readonly variables: ReadonlyArray<{ readonly name: string; readonly required: boolean }>;
  /** Logical tables it reads a `<NAME>_TABLE` variable for. */
  readonly tables: readonly string[];
  /** Whether it reads `DATABASE_URL` (the read model in Postgres). */
  readonly usesDatabase: boolean;
  /** DynamoDB actions with the table each acts on (never undefined: see loadFacts). */
  readonly requirements: readonly (Requirement & { readonly table: string })[];
}

export const loadFacts = async (repoRoot: string): Promise<DeployableFacts[]> => {
  const logical = allTables.map((t) => t.logicalName);
  const out: DeployableFacts[] = [];
  for (const deployable of deployables(repoRoot)) {
    const config = await readConfigSpec(repoRoot, deployable.main);
    const names = new Set(config.map((c) => c.name));
    const tables = logical.filter((t) => names.has(tableEnvVar(t)));
    const requirements = onConfiguredTables(
      requirementsOf(analyse(repoRoot, deployable.main, logical)),
      tables,
    );
    const unresolved = requirements.filter((r) => r.table === undefined);
    // A grant on "some table" would be wider than the code needs: name the table instead.
    if (unresolved.length > 0)
      throw new Error(
        `${deployable.name}: cannot tell which table these calls use; pass the table's name where the code constructs them: ${unresolved.map((r) => `${r.action} (${r.because})`).join(", ")}`,
      );
    out.push({
      deployable,
      variables: config.map((c) => ({ name: c.name, required: c.required })),
      tables,
      usesDatabase: names.has("DATABASE_URL"),
      requirements: requirements as (Requirement & { table: string })[],
    });
  }
  return out;
};
