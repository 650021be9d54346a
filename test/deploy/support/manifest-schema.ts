/**
 * A JSON schema for the subset of Copilot manifest keys this project uses (Copilot publishes no
 * schema). Unknown keys are errors at every level, so a misspelt key fails instead of being
 * silently ignored by `copilot deploy`.
 */
import { Ajv, type ErrorObject } from "ajv";

const duration = { type: "string", pattern: "^\\d+(ms|s|m|h)$" };
const fromCfn = {
  type: "object",
  additionalProperties: false,
  required: ["from_cfn"],
  properties: { from_cfn: { type: "string", minLength: 1 } },
};
const envName = "^[A-Z][A-Z0-9_]*$";

const common = {
  name: { type: "string", pattern: "^[a-z][a-z0-9-]*$" },
  command: { type: "array", items: { type: "string" }, minItems: 1 },
  cpu: { enum: [256, 512, 1024, 2048, 4096] },
  memory: { type: "integer", minimum: 512 },
  platform: { enum: ["linux/x86_64", "linux/arm64"] },
  count: {
    type: "object",
    additionalProperties: false,
    required: ["range"],
    properties: {
      range: { type: "string", pattern: "^\\d+-\\d+$" },
      cpu_percentage: { type: "integer", minimum: 1, maximum: 100 },
      memory_percentage: { type: "integer", minimum: 1, maximum: 100 },
    },
  },
  exec: { type: "boolean" },
  storage: {
    type: "object",
    additionalProperties: false,
    properties: { readonly_fs: { type: "boolean" } },
  },
  network: {
    type: "object",
    additionalProperties: false,
    properties: {
      vpc: {
        type: "object",
        additionalProperties: false,
        properties: {
          placement: { enum: ["public", "private"] },
          security_groups: { type: "array", items: fromCfn },
        },
      },
    },
  },
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

const loadBalancedWebService = {
  type: "object",
  additionalProperties: false,
  required: ["name", "type", "image", "http", "command"],
  properties: {
    ...common,
    type: { const: "Load Balanced Web Service" },
    image: {
      type: "object",
      additionalProperties: false,
      required: ["build", "port"],
      properties: { ...imageBase, port: { type: "integer", minimum: 1, maximum: 65535 } },
    },
    http: {
      type: "object",
      additionalProperties: false,
      required: ["path", "healthcheck"],
      properties: {
        path: { type: "string", pattern: "^[a-z0-9-]+$" },
        healthcheck: {
          type: "object",
          additionalProperties: false,
          required: ["path"],
          properties: {
            path: { type: "string", pattern: "^/" },
            success_codes: { type: "string" },
            healthy_threshold: { type: "integer", minimum: 2, maximum: 10 },
            unhealthy_threshold: { type: "integer", minimum: 2, maximum: 10 },
            interval: duration,
            timeout: duration,
            grace_period: duration,
          },
        },
        deregistration_delay: duration,
        redirect_to_https: { type: "boolean" },
      },
    },
  },
};

const backendService = {
  type: "object",
  additionalProperties: false,
  required: ["name", "type", "image", "command"],
  properties: {
    ...common,
    type: { const: "Backend Service" },
    image: {
      type: "object",
      additionalProperties: false,
      required: ["build", "healthcheck"],
      properties: {
        ...imageBase,
        healthcheck: {
          type: "object",
          additionalProperties: false,
          required: ["command"],
          properties: {
            command: { type: "array", items: { type: "string" }, minItems: 2 },
            interval: duration,
            retries: { type: "integer", minimum: 1, maximum: 10 },
            timeout: duration,
            start_period: duration,
          },
        },
      },
    },
  },
};

const environment = {
  type: "object",
  additionalProperties: false,
  required: ["name", "type"],
  properties: {
    name: { type: "string", pattern: "^[a-z][a-z0-9-]*$" },
    type: { const: "Environment" },
    network: {
      type: "object",
      additionalProperties: false,
      properties: {
        vpc: {
          type: "object",
          additionalProperties: false,
          properties: { flow_logs: { type: "boolean" } },
        },
      },
    },
    http: {
      type: "object",
      additionalProperties: false,
      properties: {
        public: {
          type: "object",
          additionalProperties: false,
          properties: {
            certificates: { type: "array", items: { type: "string" } },
            ingress: {
              type: "object",
              additionalProperties: false,
              properties: { source_ips: { type: "array", items: { type: "string" } } },
            },
          },
        },
      },
    },
    observability: {
      type: "object",
      additionalProperties: false,
      properties: { container_insights: { type: "boolean" } },
    },
  },
};

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
