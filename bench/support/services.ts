import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { readConfigSpec } from "../../deploy-facts/config-spec.js";
import { deployables } from "../../deploy-facts/deployables.js";
import { manifestOf } from "../../deploy-facts/manifests.js";
import { answersOk, freePort, launch, waitUntilReady } from "../../dev/child-process.js";
import { type TableNames, tableEnv } from "../../services/tables/provision.js";
import { type RssSampler, sampleRss } from "./memory.js";
import { repoRoot } from "./paths.js";
import "./cleanup.js";

/** The long-running deployables (deploy-facts finds them), driven only through main.ts and HTTP. */
export const serviceNames = deployables(repoRoot)
  .filter((d) => d.kind === "service")
  .map((d) => d.name);

/** A name from `serviceNames`; `startService` refuses any other. */
export type DeployableName = string;

export interface StackEnvInput {
  readonly dynamoDbEndpoint: string;
  readonly databaseUrl?: string | undefined;
  readonly databaseSchema?: string | undefined;
  readonly tablePrefix: string;
  readonly tables: TableNames;
}

/** Every variable the deployables may need: one `<LOGICAL>_TABLE` per table created. */
export const stackEnv = (input: StackEnvInput): Record<string, string> => {
  const env: Record<string, string> = {
    AWS_REGION: "us-east-1",
    // Dummy credentials: DynamoDB Local accepts any, and no real account may be reached.
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    DYNAMODB_ENDPOINT: input.dynamoDbEndpoint,
    TABLE_PREFIX: input.tablePrefix,
    ...tableEnv(input.tables),
  };
  if (input.databaseUrl) env.DATABASE_URL = input.databaseUrl;
  if (input.databaseSchema) env.DATABASE_SCHEMA = input.databaseSchema;
  return env;
};

export interface ServiceProcess {
  readonly name: DeployableName;
  readonly pid: number;
  readonly baseUrl: string | undefined;
  readonly child: ChildProcess;
  readonly rss: RssSampler;
  /** The last 64 KiB of its stdout and stderr. */
  output(): string;
  stop(): Promise<number | null>;
}

export interface StartServiceOptions {
  readonly name: DeployableName;
  readonly env: Record<string, string>;
  /** Extra node flags, e.g. ["--cpu-prof", "--cpu-prof-dir=…"]. */
  readonly nodeArgs?: readonly string[];
  readonly log?: (line: string) => void;
  /** A git revision to run instead of the working tree (a before/after in one run). */
  readonly revision?: string;
}

/** The image's NODE_OPTIONS (Dockerfile is the one place they are set), so figures match production. */
export const productionNodeOptions = (): string =>
  /^ENV NODE_OPTIONS="([^"]*)"/m.exec(readFileSync(join(repoRoot, "Dockerfile"), "utf8"))?.[1] ??
  "";

let compiledDir: string | undefined;

/**
 * The deployable's main compiled as the image compiles it (tsconfig.build.json) into .cache/,
 * next to the repo's node_modules: once per bench process, incrementally, so the benches of one
 * `npm run bench` compile only what changed (nothing, after the first). Memory and CPU figures are then those
 * of the JavaScript the image runs, without tsx's loader and source maps in the process.
 */
const compiledMain = (main: string, revision?: string): string => {
  if (revision)
    return join(compiledRevision(revision), relative("services", main)).replace(/\.ts$/, ".js");
  if (!compiledDir) {
    const dir = join(repoRoot, ".cache", "bench-dist");
    const args = ["-p", "tsconfig.build.json", "--outDir", dir, "--incremental"];
    execFileSync("npx", ["tsc", ...args, "--tsBuildInfoFile", join(dir, ".tsbuildinfo")], {
      cwd: repoRoot,
      stdio: "inherit",
    });
    compiledDir = dir;
  }
  return join(compiledDir, relative("services", main)).replace(/\.ts$/, ".js");
};

/**
 * The services of a git revision, compiled like the working tree's into .cache/revisions/<sha>
 * (once per revision): its sources come from `git archive`, its node_modules are the working
 * tree's, found by walking up from .cache.
 */
const compiledRevision = (revision: string): string => {
  const sha = execFileSync("git", ["rev-parse", "--verify", `${revision}^{commit}`], {
    cwd: repoRoot,
    encoding: "utf8",
  }).trim();
  const root = join(repoRoot, ".cache", "revisions", sha);
  const dist = join(root, "dist");
  if (existsSync(join(dist, ".complete"))) return dist;
  const src = join(root, "src");
  rmSync(root, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  const paths = ["services", "tsconfig.json", "tsconfig.build.json"];
  const tar = execFileSync("git", ["archive", "--format=tar", sha, ...paths], { cwd: repoRoot });
  execFileSync("tar", ["-x", "-C", src], { input: tar });
  execFileSync("npx", ["tsc", "-p", join(src, "tsconfig.build.json"), "--outDir", dist], {
    cwd: repoRoot,
    stdio: "inherit",
  });
  writeFileSync(join(dist, ".complete"), sha);
  return dist;
};

/**
 * Starts one deployable's main, compiled as in the image, as `node <main.js>` (one process, so
 * its pid is the service's pid for RSS) on a free port; resolves when the health route of its manifest answers
 * (or, without one, when it logs that it started).
 */
export const startService = async (options: StartServiceOptions): Promise<ServiceProcess> => {
  const d = deployables(repoRoot).find((x) => x.name === options.name);
  if (!d) throw new Error(`no deployable named ${options.name}`);
  const port = await freePort();
  const supplied: Record<string, string> = { ...options.env, PORT: String(port) };
  const reads = (await readConfigSpec(repoRoot, d.main)).map((v) => v.name);
  const missing = reads.filter((v) => supplied[v] === undefined);
  options.log?.(
    `${options.name}: reads ${reads.join(", ")}${missing.length ? ` (left to defaults: ${missing.join(", ")})` : ""}`,
  );
  const child = launch({
    name: options.name,
    command: process.execPath,
    args: [...(options.nodeArgs ?? []), compiledMain(d.main, options.revision)],
    cwd: repoRoot,
    env: { ...process.env, NODE_OPTIONS: productionNodeOptions(), ...supplied },
  });
  const healthPath = manifestOf(repoRoot, options.name).http?.healthcheck.path;
  const baseUrl = healthPath ? `http://127.0.0.1:${port}` : undefined;
  await waitUntilReady(
    child,
    healthPath
      ? answersOk(`${baseUrl}${healthPath}`)
      : async () => /"level"\s*:\s*"info"[^\n]*started/.test(child.output()),
    { timeoutMs: 90_000 },
  );
  const rss = sampleRss(child.pid);
  return {
    name: options.name,
    pid: child.pid,
    baseUrl,
    child: child.child,
    rss,
    output: child.output,
    stop: async () => {
      const code = await child.stop();
      rss.stop();
      return code;
    },
  };
};
