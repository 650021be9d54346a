import { fileURLToPath } from "node:url";
import { launch, waitUntilReady } from "./child-process.js";
import { startDynamoDbLocal } from "./dynamodb-local.js";
import { startEmbeddedPostgres } from "./embedded-postgres.js";

/**
 * Where embedded Postgres runs when no URL is given: in this process, in a child process of its
 * own (its WASM engine then stays off the caller's event loop: benchmarks), or nowhere.
 */
export type EmbeddedPostgresMode = "in-process" | "own-process" | "none";

export interface LocalInfrastructureOptions {
  readonly dynamodbEndpoint?: string | undefined;
  readonly databaseUrl?: string | undefined;
  /** Default "in-process". */
  readonly postgres?: EmbeddedPostgresMode;
}

export interface LocalInfrastructure<Url extends string | undefined = string> {
  readonly dynamodbEndpoint: string;
  readonly databaseUrl: Url;
  /** True when Postgres is embedded PGlite (one connection at a time is safest). */
  readonly embeddedPostgres: boolean;
  /** Processes started here, for CPU accounting: "dynamodb-local", "postgres". */
  readonly pids: Readonly<Record<string, number>>;
  /** What runs, for reports: "DynamoDB Local 1.25.1 (in-memory JVM), Postgres at DATABASE_URL". */
  readonly description: string;
  /** Stops whatever this call started (nothing for given endpoints). */
  stop(): Promise<void>;
}

const serverScript = fileURLToPath(new URL("./embedded-postgres-server.ts", import.meta.url));

/** Embedded Postgres in a child process; it prints its URL and exits when its stdin closes. */
const startPostgresProcess = async () => {
  const child = launch({
    name: "embedded Postgres",
    command: process.execPath,
    args: ["--import", "tsx", serverScript],
    stdin: "pipe",
  });
  const url = () => /^POSTGRES_URL (\S+)$/m.exec(child.output())?.[1];
  await waitUntilReady(child, async () => url() !== undefined);
  return { url: url() as string, pid: child.pid, stop: () => child.stop() };
};

/**
 * The one starter of local infrastructure (the `npm start` stack, tests, benchmarks, the
 * production smoke run): DynamoDB Local and embedded Postgres, each only when the caller names
 * no running one (callers pass DYNAMODB_ENDPOINT / DATABASE_URL; this reads no env).
 */
export async function startLocalInfrastructure(
  options: LocalInfrastructureOptions & { readonly postgres?: "in-process" | "own-process" },
): Promise<LocalInfrastructure>;
export async function startLocalInfrastructure(
  options: LocalInfrastructureOptions,
): Promise<LocalInfrastructure<string | undefined>>;
export async function startLocalInfrastructure(
  options: LocalInfrastructureOptions,
): Promise<LocalInfrastructure<string | undefined>> {
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  const pids: Record<string, number> = {};
  const parts: string[] = [];
  const mode = options.postgres ?? "in-process";
  try {
    let dynamodbEndpoint = options.dynamodbEndpoint;
    if (dynamodbEndpoint) parts.push(`DynamoDB at ${dynamodbEndpoint}`);
    else {
      const local = await startDynamoDbLocal();
      stops.push(local.stop);
      if (local.process.pid) pids["dynamodb-local"] = local.process.pid;
      dynamodbEndpoint = local.endpoint;
      parts.push("DynamoDB Local 1.25.1 (in-memory JVM)");
    }
    let databaseUrl = options.databaseUrl;
    if (databaseUrl && mode !== "none") parts.push("Postgres at DATABASE_URL");
    else if (mode === "in-process") {
      const pg = await startEmbeddedPostgres();
      stops.push(pg.stop);
      databaseUrl = pg.url;
      parts.push("embedded Postgres (PGlite over a socket)");
    } else if (mode === "own-process") {
      const pg = await startPostgresProcess();
      stops.push(pg.stop);
      pids.postgres = pg.pid;
      databaseUrl = pg.url;
      parts.push("embedded Postgres (PGlite over a socket, own process)");
    }
    return {
      dynamodbEndpoint,
      databaseUrl: mode === "none" ? undefined : databaseUrl,
      embeddedPostgres: mode !== "none" && !options.databaseUrl,
      pids,
      description: parts.join(", "),
      stop,
    };
  } catch (e) {
    // Do not leave a JVM behind when the second half fails to start.
    await stop();
    throw e;
  }
}
