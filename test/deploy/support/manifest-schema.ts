/**
 * A JSON schema for the subset of Copilot manifest keys this project uses (Copilot publishes no
 * schema). Unknown keys are errors at every level, so a misspelt key fails instead of being
 * silently ignored by `copilot deploy`.
 */
import { Ajv, type ErrorObject } from "ajv";

/** An object with these keys and no other (`required` among them). */
const closed = (properties: Record<string, unknown>, required?: string[]) => ({
  type: "object",
  additionalProperties: false,
  ...(required ? { required } : {}),
  properties,
});

const duration = { type: "string", pattern: "^\\d+(ms|s|m|h)$" };
const fromCfn = closed({ from_cfn: { type: "string", minLength: 1 } }, ["from_cfn"]);
const envName = "^[A-Z][A-Z0-9_]*$";
const name = { type: "string", pattern: "^[a-z][a-z0-9-]*$" };

const common = {
  name,
  command: { type: "array", items: { type: "string" }, minItems: 1 },
  cpu: { enum: [256, 512, 1024, 2048, 4096] },
  memory: { type: "integer", minimum: 512 },
  platform: { enum: ["linux/x86_64", "linux/arm64"] },
  count: closed(
    {
      range: { type: "string", pattern: "^\\d+-\\d+$" },
      cpu_percentage: { type: "integer", minimum: 1, maximum: 100 },
      memory_percentage: { type: "integer", minimum: 1, maximum: 100 },
    },
    ["range"],
  ),
  exec: { type: "boolean" },
  storage: closed({ readonly_fs: { type: "boolean" } }),
  network: closed({
    vpc: closed({
      placement: { enum: ["public", "private"] },
      security_groups: { type: "array", items: fromCfn },
    }),
  }),
  variables: {
    type: "object",
    propertyNames: { pattern: envName },
    additionalProperties: { anyOf: [{ type: ["string", "number", "boolean"] }, fromCfn] },
  },
  secrets: {
    type: "object",
    propertyNames: { pattern: envName },
    additionalProperties: { anyOf: [{ type: "string" }, fromCfn] },
  },
};

const imageBase = {
  build: { type: "string", minLength: 1 },
};

const loadBalancedWebService = closed(
  {
    ...common,
    type: { const: "Load Balanced Web Service" },
    image: closed({ ...imageBase, port: { type: "integer", minimum: 1, maximum: 65535 } }, [
      "build",
      "port",
    ]),
    http: closed(
      {
        path: { type: "string", pattern: "^[a-z0-9-]+$" },
        healthcheck: closed(
          {
            path: { type: "string", pattern: "^/" },
            success_codes: { type: "string" },
            healthy_threshold: { type: "integer", minimum: 2, maximum: 10 },
            unhealthy_threshold: { type: "integer", minimum: 2, maximum: 10 },
            interval: duration,
            timeout: duration,
            grace_period: duration,
          },
          ["path"],
        ),
        deregistration_delay: duration,
        redirect_to_https: { type: "boolean" },
      },
      ["path", "healthcheck"],
    ),
  },
  ["name", "type", "image", "http", "command"],
);

const backendService = closed(
  {
    ...common,
    type: { const: "Backend Service" },
    image: closed(
      {
        ...imageBase,
        healthcheck: closed(
          {
            command: { type: "array", items: { type: "string" }, minItems: 2 },
            interval: duration,
            retries: { type: "integer", minimum: 1, maximum: 10 },
            timeout: duration,
            start_period: duration,
          },
          ["command"],
        ),
      },
      ["build", "healthcheck"],
    ),
  },
  ["name", "type", "image", "command"],
);

const environment = closed(
  {
    name,
    type: { const: "Environment" },
    network: closed({ vpc: closed({ flow_logs: { type: "boolean" } }) }),
    http: closed({
      public: closed({
        certificates: { type: "array", items: { type: "string" } },
        ingress: closed({ source_ips: { type: "array", items: { type: "string" } } }),
      }),
    }),
    observability: closed({ container_insights: { type: "boolean" } }),
  },
  ["name", "type"],
);

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validators = {
  "Load Balanced Web Service": ajv.compile(loadBalancedWebService),
  "Backend Service": ajv.compile(backendService),
  Environment: ajv.compile(environment),
};

const describe = (e: ErrorObject): string => {
  const extra = e.params as { additionalProperty?: string; allowedValue?: unknown };
  if (extra.additionalProperty)
    return `${e.instancePath || "/"}: unknown key "${extra.additionalProperty}"`;
  return `${e.instancePath || "/"}: ${e.message ?? e.keyword}`;
};

/** Readable schema problems of one manifest; empty when it is valid. */
export const manifestProblems = (manifest: unknown): string[] => {
  const type = (manifest as { type?: unknown } | null)?.type;
  const validate = validators[type as keyof typeof validators];
  if (!validate) return [`/type: unknown manifest type ${JSON.stringify(type)}`];
  return validate(manifest) ? [] : (validate.errors ?? []).map(describe);
};
