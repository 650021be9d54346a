/**
 * How each long-running service runs: size, count, routing, health checks and the literal
 * variables it is given. These are choices, not facts of the code; test/deploy checks that they
 * equal the Copilot manifests, so the two deploy paths run the same system.
 */

export interface ScalingSettings {
  readonly min: number;
  readonly max: number;
  /** Target average CPU, in percent. */
  readonly cpuPercent: number;
}

export interface WebSettings {
  /** ALB path prefix: `/commands` and `/commands/*` go to the service. */
  readonly path: string;
  readonly port: number;
  readonly healthPath: string;
  readonly healthGraceSeconds: number;
}

export interface ServiceSettings {
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly scaling: ScalingSettings;
  /** Plain variables beyond the wiring (table names and the database secret). */
  readonly variables: Readonly<Record<string, string>>;
  readonly web?: WebSettings;
  /** Container health check of a service without a load balancer. */
  readonly containerHealth?: { readonly command: readonly string[]; readonly startSeconds: number };
}

/** An API behind the load balancer: routes under /<path>, its health check at /<path>/healthz. */
const api = (
  path: string,
  port: number,
  healthGraceSeconds: number,
  variables: Readonly<Record<string, string>> = {},
): ServiceSettings => ({
  cpu: 256,
  memoryMiB: 512,
  scaling: { min: 2, max: 6, cpuPercent: 70 },
  variables: { PORT: String(port), ...variables },
  web: { path, port, healthPath: `/${path}/healthz`, healthGraceSeconds },
});

/** A stream application: no load balancer; it answers /healthz on 127.0.0.1:8081 in the task. */
const streamApplication = (variables: Readonly<Record<string, string>>): ServiceSettings => ({
  cpu: 256,
  memoryMiB: 512,
  // Two keep a standby for lease take-over; more workers than open shards only idle.
  scaling: { min: 2, max: 4, cpuPercent: 70 },
  variables,
  containerHealth: {
    command: [
      "CMD",
      "node",
      "-e",
      "fetch('http://127.0.0.1:8081/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
    ],
    startSeconds: 60,
  },
});

export const serviceSettings: Readonly<Record<string, ServiceSettings>> = {
  "command-api": api("commands", 3001, 30),
  "query-api": api("queries", 3002, 60, { DATABASE_SCHEMA: "public" }),
  // CHANGE_SOURCE is wired to the JournalChangeSource parameter (cdk/tables.ts).
  "stream-consumer": streamApplication({ DATABASE_SCHEMA: "public", IDLE_POLL_MS: "500" }),
  // The second reader of each DynamoDB stream shard beside the consumer (docs/integration-events.md).
  "integration-publisher": streamApplication({ IDLE_POLL_MS: "500" }),
};

/** Literal variables of the one-off CLI tasks (table names and the secret are wired). */
export const cliVariables: Readonly<Record<string, string>> = { DATABASE_SCHEMA: "public" };

/** Settings of a service, or an error naming the file to edit when a new one appears. */
export const settingsOf = (service: string): ServiceSettings => {
  const s = serviceSettings[service];
  if (!s) throw new Error(`cdk/settings.ts has no settings for the service "${service}"`);
  return s;
};
