import { authResponses, open, requiresScope, securitySchemes } from "../auth/openapi.js";
import { ITEM_NAME_MAX, PRICE_MAX, QUANTITY_MAX, REASON_MAX } from "../domain/item/index.js";
import {
  itemIdParameter,
  problemResponse as problem,
  problemSchema,
  retryAfterHeader,
} from "../http/openapi-document.js";

// The OpenAPI 3.1 description of the command routes, written by hand and kept honest by
// test/integration/command-api-openapi.int.test.ts (routes, bodies and statuses must agree).

const name = {
  type: "string",
  minLength: 1,
  maxLength: ITEM_NAME_MAX,
  description:
    "NFC, trimmed; no control characters (U+0000–U+001F, U+007F–U+009F) or lone surrogates",
};
const price = { type: "integer", minimum: 0, maximum: PRICE_MAX, description: "minor units" };
const quantity = { type: "integer", minimum: 1, maximum: QUANTITY_MAX };

const body = (properties: Record<string, unknown>, required: string[], example: unknown) => ({
  required: required.length > 0,
  content: {
    "application/json": {
      schema: { type: "object", properties, required, additionalProperties: false },
      example,
    },
  },
});

const ref = (name: string) => ({ $ref: `#/components/${name}` });

const errorResponses = {
  "400": ref("responses/Invalid"),
  ...authResponses,
  "413": ref("responses/TooLarge"),
  "415": ref("responses/NotJson"),
  "422": problem("a business rule was violated (see `rule`) or an Idempotency-Key was reused"),
  "500": problem("unexpected error"),
  "503": {
    ...problem(
      "overloaded (the item's queue or the process is full, or the command waited past its deadline and was not run) or DynamoDB unavailable; retry after `Retry-After`",
    ),
    headers: retryAfterHeader,
  },
};

const change = (summary: string, requestBody: ReturnType<typeof body>) => ({
  post: {
    summary,
    parameters: [
      ref("parameters/ItemId"),
      ref("parameters/IfMatch"),
      ref("parameters/IdempotencyKey"),
    ],
    requestBody,
    responses: {
      "200": {
        description: "done (or nothing to change: same version)",
        headers: { ETag: ref("headers/ETag") },
        content: { "application/json": { schema: { $ref: "#/components/schemas/Accepted" } } },
      },
      ...errorResponses,
      "404": problem("no item has this id"),
      "409": problem("other writers kept changing the item; retry"),
      "412": problem("If-Match does not name the current version"),
    },
  },
});

export const commandApiOpenApi = {
  openapi: "3.1.0",
  info: {
    title: "Item service: commands",
    version: "1.0.0",
    description:
      "Every error is RFC 9457 application/problem+json with a stable `type` URI. " +
      "Requests are correlated by X-Correlation-Id (echoed; generated when absent).",
  },
  security: requiresScope("items:write"),
  paths: {
    "/commands/items": {
      post: {
        summary: "Register an item",
        parameters: [ref("parameters/IdempotencyKey")],
        requestBody: body({ name, price }, ["name", "price"], { name: "Green tea", price: 450 }),
        responses: {
          "201": {
            description: "registered",
            headers: {
              ETag: ref("headers/ETag"),
              Location: { schema: { type: "string" }, description: "/queries/items/{itemId}" },
            },
            content: { "application/json": { schema: { $ref: "#/components/schemas/Accepted" } } },
          },
          ...errorResponses,
        },
      },
    },
    "/commands/items/{id}/rename": change("Rename", body({ name }, ["name"], { name: "Tea" })),
    "/commands/items/{id}/change-price": change(
      "Change the price",
      body({ price }, ["price"], { price: 500 }),
    ),
    "/commands/items/{id}/receive-stock": change(
      "Receive stock",
      body({ quantity }, ["quantity"], { quantity: 10 }),
    ),
    "/commands/items/{id}/ship-stock": change(
      "Ship stock (never below zero)",
      body({ quantity }, ["quantity"], { quantity: 1 }),
    ),
    "/commands/items/{id}/discontinue": change("Discontinue (the item is then frozen)", {
      ...body({ reason: { type: "string", maxLength: REASON_MAX } }, [], { reason: "recalled" }),
      required: false,
    }),
    "/commands/healthz": {
      get: {
        summary: "Liveness; 503 while draining on shutdown",
        security: open,
        responses: {
          "200": { description: "serving" },
          "503": problem("shutting down"),
        },
      },
    },
    "/commands/openapi.json": {
      get: {
        summary: "This document",
        security: open,
        responses: { "200": { description: "OpenAPI 3.1" } },
      },
    },
  },
  components: {
    securitySchemes,
    schemas: {
      Accepted: {
        type: "object",
        properties: { itemId: { type: "string", format: "uuid" }, version: { type: "integer" } },
        required: ["itemId", "version"],
      },
      Problem: {
        ...problemSchema,
        properties: {
          ...problemSchema.properties,
          rule: { type: "string", description: "the violated business rule (422)" },
        },
      },
    },
    parameters: {
      ItemId: itemIdParameter,
      IfMatch: {
        name: "If-Match",
        in: "header",
        description: 'Optimistic concurrency: the ETag last seen, e.g. "3"; a mismatch is a 412',
        schema: { type: "string" },
      },
      IdempotencyKey: {
        name: "Idempotency-Key",
        in: "header",
        description: "Retries with the same key and request get the original answer",
        schema: { type: "string", maxLength: 255 },
      },
    },
    headers: { ETag: { schema: { type: "string" }, description: 'The version, quoted: "3"' } },
    responses: {
      Invalid: problem("invalid request: `errors` lists every invalid field, or malformed JSON"),
      TooLarge: problem("body over the limit (16 KiB)"),
      NotJson: problem("Content-Type is not application/json"),
    },
  },
} as const;
