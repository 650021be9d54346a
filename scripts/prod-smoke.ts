/**
 * The container's final stage, reproduced without Docker: compile with tsconfig.build.json,
 * install production dependencies only (`npm ci --omit=dev`) next to the output in a temporary
 * folder, start every service through the image's entry script against DynamoDB Local and
 * Postgres, wait for the health check its Copilot manifest declares, then stop it with SIGTERM
 * and expect a clean exit. CLIs must at least load. A missing runtime dependency fails the run.
 *
 *   npm run smoke:prod                        # DynamoDB Local + PGlite started here
 *   DATABASE_URL=postgres://... DYNAMODB_ENDPOINT=http://... npm run smoke:prod
 *   SMOKE_REMOVE_PACKAGE=hono npm run smoke:prod   # must fail: proves the check bites
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { pino } from "pino";
import { deployables } from "../deploy-facts/deployables.js";
import { manifestOf } from "../deploy-facts/manifests.js";
import { answersOk, freePort, launch, waitUntilReady } from "../dev/child-process.js";
import { startLocalInfrastructure } from "../dev/local-infrastructure.js";
import { dynamoDbClient } from "../services/config/aws-clients.js";
import { createLogger } from "../services/logging/logger.js";
import { allTables } from "../services/tables/definitions.js";
import { ensureTables, tableEnv } from "../services/tables/provision.js";

const root = join(import.meta.dirname, "..");
// Not a deployable: no LOG_LEVEL; every step is worth a line. Synchronous, so the last line
// survives process.exit.
const logger = createLogger({
  service: "prod-smoke",
  destination: pino.destination({ sync: true }),
});
const log = (msg: string) => logger.info(msg);
const stops: Array<() => Promise<void>> = [];

const installProductionBuild = (work: string): void => {
  log(`building into ${work}`);
  execFileSync("npx", ["tsc", "-p", "tsconfig.build.json", "--outDir", join(work, "dist")], {
    cwd: root,
    stdio: "inherit",
  });
  for (const f of ["package.json", "package-lock.json"]) copyFileSync(join(root, f), join(work, f));
  copyFileSync(join(root, "docker-entrypoint.sh"), join(work, "docker-entrypoint.sh"));
  log("npm ci --omit=dev");
  execFileSync(
    "npm",
    ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"],
    { cwd: work, stdio: "inherit" },
  );
  const removed = process.env.SMOKE_REMOVE_PACKAGE;
  if (removed) {
    log(`removing node_modules/${removed} on purpose`);
    rmSync(join(work, "node_modules", removed), { recursive: true, force: true });
  }
};

const infrastructure = async () => {
  const local = await startLocalInfrastructure({
    dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT,
    databaseUrl: process.env.DATABASE_URL,
  });
  stops.push(local.stop);
  const { dynamodbEndpoint: endpoint, databaseUrl: url } = local;
  const prefix = `smoke${Date.now()}-`;
  const names = await ensureTables(dynamoDbClient({ endpoint }), prefix, allTables);
  const schema = `prod_smoke_${process.pid}`;
  stops.push(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });
  return { endpoint, url, schema, tables: tableEnv(names) };
};

const smokeService = async (
  work: string,
  name: string,
  infra: Awaited<ReturnType<typeof infrastructure>>,
) => {
  const m = manifestOf(root, name);
  const literal = Object.fromEntries(
    Object.entries(m.variables ?? {}).filter(([, v]) => typeof v !== "object"),
  );
  const port = m.type === "Load Balanced Web Service" ? await freePort() : undefined;
  // A task has the container's ports to itself; this machine may not (another consumer on the
  // manifest's health port would answer for ours). Same check, on a free port.
  const healthPort = port ? undefined : await freePort();
  const env = {
    PATH: process.env.PATH ?? "",
    NODE_ENV: "production",
    ...literal,
    AWS_REGION: "us-east-1",
    DYNAMODB_ENDPOINT: infra.endpoint,
    DATABASE_URL: infra.url,
    DATABASE_SCHEMA: infra.schema,
    ...infra.tables,
    // In AWS these come from the Cognito addon; health checks need no token, so no issuer is called.
    AUTH_ISSUER: "https://issuer.invalid",
    AUTH_AUDIENCES: "item-service",
    // In AWS the topic addon's output; the publisher sends nothing while the journal is empty.
    INTEGRATION_TOPIC_ARN: "arn:aws:sns:us-east-1:000000000000:smoke.fifo",
    ...(port ? { PORT: String(port) } : {}),
    ...(healthPort ? { HEALTH_PORT: String(healthPort) } : {}),
  };
  const [, cmd, ...manifestArgs] = m.image.healthcheck?.command ?? [];
  const args = manifestArgs.map((a) =>
    healthPort ? a.replace(/127\.0\.0\.1:\d+\//, `127.0.0.1:${healthPort}/`) : a,
  );
  if (healthPort && args.join(" ") === manifestArgs.join(" "))
    throw new Error(`${name}: its health check names no 127.0.0.1:<port>/ to move`);
  const healthPath = m.http?.healthcheck.path;
  if (!(port && healthPath) && !cmd) throw new Error(`${name}: no health check in its manifest`);
  const child = launch({
    name,
    command: "sh",
    args: [join(work, "docker-entrypoint.sh"), name],
    cwd: work,
    env,
    onOutput: (text, from) => (from === "stdout" ? process.stdout : process.stderr).write(text),
  });
  await waitUntilReady(
    child,
    port && healthPath
      ? answersOk(`http://127.0.0.1:${port}${healthPath}`)
      : // Exactly the container health check ECS would run (argv after "CMD").
        async () => spawnSync(cmd ?? "", args, { cwd: work, env, timeout: 5000 }).status === 0,
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  log(`${name} healthy`);
  const code = await child.stop(15_000);
  if (code !== 0) throw new Error(`${name} did not stop cleanly on SIGTERM (${String(code)})`);
  log(`${name} stopped cleanly on SIGTERM`);
};

/** A CLI must load all its modules: `--help` with no configuration. */
const smokeCli = (work: string, name: string) => {
  const run = spawnSync("sh", [join(work, "docker-entrypoint.sh"), name, "--help"], {
    cwd: work,
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production" },
    encoding: "utf8",
    timeout: 30_000,
  });
  const output = `${run.stdout}${run.stderr}`;
  if (/ERR_MODULE_NOT_FOUND|Cannot find (package|module)/.test(output) || run.signal)
    throw new Error(`${name} does not load:\n${output}`);
  log(`${name} loads (exit ${run.status})`);
};

const main = async () => {
  const work = mkdtempSync(join(tmpdir(), "prod-smoke-"));
  try {
    installProductionBuild(work);
    const infra = await infrastructure();
    const all = deployables(root);
    const services = all.filter((d) => d.kind === "service").map((d) => d.name);
    for (const name of services) await smokeService(work, name, infra);
    for (const d of all) if (d.kind === "cli") smokeCli(work, d.name);
    log(`OK: ${services.length} services healthy from production dependencies only`);
  } finally {
    for (const stop of stops.reverse())
      await stop().catch((e) => logger.warn({ error: String(e) }, "stopping"));
    rmSync(work, { recursive: true, force: true });
  }
};

main().catch((e) => {
  logger.error({ error: e instanceof Error ? e.message : String(e) }, "prod-smoke FAILED");
  process.exit(1);
});
