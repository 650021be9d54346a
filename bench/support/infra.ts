import { spawn } from "node:child_process";
import { join } from "node:path";
import { startDynamoDbLocal } from "../../dev/dynamodb-local.js";
import { stopChild, track } from "./cleanup.js";
import { repoRoot } from "./paths.js";

export interface Infra {
  readonly dynamoDbEndpoint: string;
  readonly databaseUrl?: string;
  /** Processes this bench started (for CPU accounting): "dynamodb-local", "postgres". */
  readonly pids: Readonly<Record<string, number>>;
  /** What the bench ran against, for the report. */
  readonly description: string;
  stop(): Promise<void>;
}

/**
 * DynamoDB Local (or DYNAMODB_ENDPOINT) and, when asked, embedded Postgres in a child process
 * (or DATABASE_URL). Benches isolate themselves with unique table prefixes and schemas.
 */
export const startInfra = async (options: { postgres: boolean }): Promise<Infra> => {
  const stops: Array<() => Promise<unknown>> = [];
  const parts: string[] = [];
  const pids: Record<string, number> = {};
  let endpoint = process.env.DYNAMODB_ENDPOINT;
  if (endpoint) parts.push(`DynamoDB at ${endpoint}`);
  else {
    const local = await startDynamoDbLocal();
    track(local.process);
    if (local.process.pid) pids["dynamodb-local"] = local.process.pid;
    stops.push(local.stop);
    endpoint = local.endpoint;
    parts.push("DynamoDB Local 1.25.1 (in-memory JVM)");
  }
  let url = process.env.DATABASE_URL;
  if (options.postgres) {
    if (url) parts.push("Postgres at DATABASE_URL");
    else {
      const pg = await startPostgresProcess();
      pids.postgres = pg.pid;
      stops.push(pg.stop);
      url = pg.url;
      parts.push("embedded Postgres (PGlite over a socket, own process)");
    }
  }
  return {
    dynamoDbEndpoint: endpoint,
    ...(url && options.postgres ? { databaseUrl: url } : {}),
    pids,
    description: parts.join(", "),
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
};

const startPostgresProcess = (): Promise<{
  url: string;
  pid: number;
  stop: () => Promise<unknown>;
}> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(repoRoot, "bench/support/postgres-server.ts")],
      { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] },
    );
    track(child);
    let output = "";
    const onData = (d: Buffer) => {
      output += String(d);
      const m = /^POSTGRES_URL (\S+)$/m.exec(output);
      if (m?.[1]) {
        child.stdout.off("data", onData);
        resolve({ url: m[1], pid: child.pid ?? 0, stop: () => stopChild(child) });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d) => {
      output += String(d);
    });
    child.once("exit", (code) =>
      reject(new Error(`embedded Postgres exited (${code}): ${output}`)),
    );
  });
