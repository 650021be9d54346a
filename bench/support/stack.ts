import { randomBytes } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { LocalInfrastructure } from "../../dev/local-infrastructure.js";
import { dynamoDbClient } from "../../services/config/aws-clients.js";
import { allTables } from "../../services/tables/definitions.js";
import { ensureTables, type TableNames } from "../../services/tables/provision.js";
import { TEST_AUDIENCE, TestIssuer } from "../../test/support/test-issuer.js";
import { type CountingProxy, startCountingProxy } from "./counting-proxy.js";
import { benchInfrastructure } from "./infrastructure.js";
import { type DeployableName, type ServiceProcess, stackEnv, startService } from "./services.js";

export interface Stack {
  readonly infra: LocalInfrastructure<string | undefined>;
  readonly tables: TableNames;
  /** The environment every service got (without PORT), to start more instances alike. */
  readonly env: Readonly<Record<string, string>>;
  readonly services: Readonly<Partial<Record<DeployableName, ServiceProcess>>>;
  /** `Authorization` header with a token (both scopes) of the stack's own issuer. */
  readonly auth: Readonly<Record<string, string>>;
  service(name: DeployableName): ServiceProcess;
  /** The base URL of a started HTTP service (throws for one that is not). */
  url(name: DeployableName): string;
  /** A table's full name by its logical name (throws for an unknown one). */
  tableName(logical: string): string;
  /** A new client of the stack's DynamoDB (the caller destroys it). */
  dynamoDb(): DynamoDBClient;
  /** With `countDynamoDbRequests`: each service's DynamoDB requests by operation so far. */
  requestCounts(name: DeployableName): Record<string, number> | undefined;
  /** The tail of every service's output, for a failure report. */
  outputs(): string;
  /** A failed run: prints every service's output tail, then rethrows `error`. */
  fail(error: unknown): never;
  /** Idempotent. */
  stop(): Promise<void>;
}

export interface StackOptions {
  readonly services: readonly DeployableName[];
  /** Extra node flags per service (e.g. --cpu-prof). */
  readonly nodeArgs?: Partial<Record<DeployableName, readonly string[]>>;
  readonly log?: (line: string) => void;
  /** More environment for every service (e.g. NODE_OPTIONS). */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** Put a counting proxy between each service and DynamoDB (costs the bench process CPU). */
  readonly countDynamoDbRequests?: boolean;
}

/**
 * Infrastructure, fresh tables (unique prefix) and a fresh read-model schema, and the requested
 * deployables as child processes with every variable they may read. Stops everything in reverse.
 */
export const startStack = async (options: StackOptions): Promise<Stack> => {
  const needsPostgres = options.services.some((s) => s !== "command-api");
  const infra = await benchInfrastructure(needsPostgres ? "own-process" : "none");
  const started: ServiceProcess[] = [];
  const proxies: Partial<Record<DeployableName, CountingProxy>> = {};
  // The APIs verify tokens as in production, against a JWKS served by this process.
  const issuer = await TestIssuer.start();
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      for (const s of started.reverse()) await s.stop();
      for (const p of Object.values(proxies)) await p?.stop();
      await issuer.stop();
      await infra.stop();
    })();
    return stopped;
  };
  try {
    const suffix = randomBytes(4).toString("hex");
    const prefix = `bench${suffix}-`;
    const client = dynamoDbClient({ endpoint: infra.dynamodbEndpoint, region: "us-east-1" });
    const tables = await ensureTables(client, prefix, allTables);
    client.destroy();
    const env: Record<string, string> = {
      ...options.extraEnv,
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCES: TEST_AUDIENCE,
      ...stackEnv({
        dynamoDbEndpoint: infra.dynamodbEndpoint,
        databaseUrl: infra.databaseUrl,
        databaseSchema: needsPostgres ? `bench_${suffix}` : undefined,
        tablePrefix: prefix,
        tables,
      }),
    };
    const services: Partial<Record<DeployableName, ServiceProcess>> = {};
    // One at a time: the read-model migrations and the JVM's warm-up fight for two cores.
    for (const name of options.services) {
      const proxy = options.countDynamoDbRequests
        ? await startCountingProxy(infra.dynamodbEndpoint)
        : undefined;
      if (proxy) proxies[name] = proxy;
      const s = await startService({
        name,
        env: proxy ? { ...env, DYNAMODB_ENDPOINT: proxy.endpoint } : env,
        nodeArgs: options.nodeArgs?.[name] ?? [],
        ...(options.log ? { log: options.log } : {}),
      });
      started.push(s);
      services[name] = s;
    }
    const outputs = () =>
      started.map((s) => `--- ${s.name} (pid ${s.pid}) ---\n${s.output().slice(-4000)}`).join("\n");
    const token = await issuer.mint({ claims: { exp: Math.floor(Date.now() / 1000) + 86_400 } });
    return {
      infra,
      tables,
      env,
      services,
      auth: { authorization: `Bearer ${token}` },
      service: (name) => {
        const s = services[name];
        if (!s) throw new Error(`${name} was not started`);
        return s;
      },
      url: (name) => {
        const url = services[name]?.baseUrl;
        if (!url) throw new Error(`${name} was not started or serves no HTTP`);
        return url;
      },
      tableName: (logical) => {
        const name = tables[logical];
        if (!name) throw new Error(`no table ${logical}`);
        return name;
      },
      dynamoDb: () => dynamoDbClient({ endpoint: infra.dynamodbEndpoint, region: "us-east-1" }),
      requestCounts: (name) => proxies[name]?.counts(),
      outputs,
      fail: (error) => {
        console.error(outputs());
        throw error;
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
};
