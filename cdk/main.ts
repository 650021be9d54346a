/**
 * The CDK app's composition root (`npm run cdk:synth`, `npm run cdk -- deploy`): reads the
 * deployables' facts from the source and synthesises. Context `namePrefix` (default item-prod)
 * names the tables; nothing here needs an AWS account.
 */
import { join } from "node:path";
import { buildApp } from "./app.js";
import { loadFacts } from "./facts.js";

const repoRoot = join(import.meta.dirname, "..");
const facts = await loadFacts(repoRoot);
const { app } = buildApp({ repoRoot, facts });
app.synth();
