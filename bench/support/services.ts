import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../dev/dynamodb-local.js";
import { type TableNames, tableEnv } from "../../services/tables/provision.js";
import { stopChild, track } from "./cleanup.js";
import { type RssSampler, sampleRss } from "./memory.js";
import { repoRoot } from "./paths.js";

/** The deployables, driven only through their main.ts and HTTP (their stable entry points). */
export const deployables = {
  "command-api": { main: "services/command-api/main.ts", health: "/commands/healthz" },
  "query-api": { main: "services/query-api/main.ts", health: "/queries/healthz" },
  "stream-consumer": { main: "services/stream-consumer/main.ts", health: undefined },
} as const;

export type DeployableName = keyof typeof deployables;

/** The variables a main.ts declares in its readConfig spec (read from the file at run time). */
export const configVarsOf = (mainPath: string): string[] => {
  const text = readFileSync(join(repoRoot, mainPath), "utf8");
  const start = text.indexOf("readConfig(");
  if (start < 0) return [];
  const block = text.slice(start, text.indexOf("});", start));
  return [...block.matchAll(/^\s+([A-Z][A-Z0-9_]*)\s*:/gm)].flatMap((m) => (m[1] ? [m[1]] : []));
};

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
}

/** The image's NODE_OPTIONS (Dockerfile is the one place they are set), so figures match production. */
const productionNodeOptions = (): string =>
  /^ENV NODE_OPTIONS="([^"]*)"/m.exec(readFileSync(join(repoRoot, "Dockerfile"), "utf8"))?.[1] ??
  "";

/**
 * Starts one deployable's main.ts as `node --import tsx <main>` (one process, so its pid is the
 * service's pid for RSS) on a free port; resolves when its health route answers (or, without
 * one, when it logs that it started).
 */
export const startService = async (options: StartServiceOptions): Promise<ServiceProcess> => {
  const d = deployables[options.name];
  const port = await freePort();
  const supplied: Record<string, string> = { ...options.env, PORT: String(port) };
  const reads = configVarsOf(d.main);
  const missing = reads.filter((v) => supplied[v] === undefined);
  options.log?.(
    `${options.name}: reads ${reads.join(", ")}${missing.length ? ` (left to defaults: ${missing.join(", ")})` : ""}`,
  );
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), "--import", "tsx", join(repoRoot, d.main)],
    {
      cwd: repoRoot,
      env: { ...process.env, NODE_OPTIONS: productionNodeOptions(), ...supplied },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  track(child);
  let out = "";
  const keep = (chunk: Buffer) => {
    out = (out + String(chunk)).slice(-65_536);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name} did not start`);
  const baseUrl = d.health ? `http://127.0.0.1:${port}` : undefined;
  await waitReady(options.name, child, () => out, d.health ? `${baseUrl}${d.health}` : undefined);
  const rss = sampleRss(pid);
  return {
    name: options.name,
    pid,
    baseUrl,
    child,
    rss,
    output: () => out,
    stop: async () => {
      const code = await stopChild(child);
      rss.stop();
      return code;
    },
  };
};

const waitReady = async (
  name: string,
  child: ChildProcess,
  output: () => string,
  healthUrl: string | undefined,
): Promise<void> => {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited (${child.exitCode}):\n${output()}`);
    if (healthUrl) {
      try {
        const r = await fetch(healthUrl, { signal: AbortSignal.timeout(2000) });
        if (r.ok) return;
      } catch {
        // not listening yet
      }
    } else if (/"level"\s*:\s*"info"[^\n]*started|listening/.test(output())) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`${name} was not ready within 90 s:\n${output()}`);
};
