import { authResponses, open, requiresScope, securitySchemes } from "../auth/openapi.js";
import {
  itemIdParameter as itemId,
  problemResponse,
  problemSchema,
  retryAfterHeader,
} from "../http/openapi-document.js";
import { ITEM_STATUSES } from "../read-model/entities.js";

// The query API's contract; a test fails when it and the routes disagree.

const json = (description: string, ref: string) => ({
  description,
  content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } },
});

const limit = {
  name: "limit",
  in: "query",
  schema: { type: "integer", minimum: 1, maximum: 100, default: 20 },
};
const cursor = {
  name: "cursor",
  in: "query",
  description: "Opaque; the `nextCursor` of the previous page.",
  schema: { type: "string" },
};
const minVersion = {
  name: "minVersion",
  in: "query",
  description:
    "Read-your-writes: the version a command returned. Waits (bounded, READ_YOUR_WRITES_TIMEOUT_MS) until the read model reaches it; 504 if it does not.",
  schema: { type: "integer", minimum: 1 },
};
const lagging = problemResponse(
  "The read model did not reach minVersion in time (Retry-After is set); retry later",
);
const unavailable = {
  ...problemResponse(
    "The database is saturated or unavailable (pool or statement timeout), or too many requests wait for minVersion; retry after Retry-After",
  ),
  headers: retryAfterHeader,
};
const failed = problemResponse("Unexpected error (no SQL, stack or parameters are shown)");
/** The failures of the routes that read one item (by id, with minVersion). */
const oneItemFailures = {
  "400": problemResponse("Invalid id or parameters"),
  "404": problemResponse("No such item"),
  ...authResponses,
  "500": failed,
  "503": unavailable,
  "504": lagging,
};

export const queryApiOpenApi = {
  openapi: "3.1.0",
  info: { title: "Item service: query API", version: "1.0.0" },
  security: requiresScope("items:read"),
  paths: {
    "/queries/items": {
      get: {
        operationId: "listItems",
        summary: "Items in a stable order (item id), keyset-paginated",
        parameters: [
          limit,
          cursor,
          { name: "status", in: "query", schema: { enum: ITEM_STATUSES } },
          {
            name: "q",
            in: "query",
            description:
              "Case-insensitive substring of the name (NFC, trimmed; no control characters)",
            schema: { type: "string", maxLength: 100 },
          },
        ],
        responses: {
          "200": json("One page", "ItemPage"),
          "400": problemResponse("Invalid parameters"),
          ...authResponses,
          "500": failed,
          "503": unavailable,
        },
      },
    },
    "/queries/items/{id}": {
      get: {
        operationId: "getItem",
        parameters: [
          itemId,
          minVersion,
          { name: "If-None-Match", in: "header", schema: { type: "string" } },
        ],
        responses: {
          "200": {
            ...json("The item", "Item"),
            headers: { ETag: { schema: { type: "string" }, description: '"<version>"' } },
          },
          "304": { description: "Not modified (If-None-Match matched the ETag)" },
          ...oneItemFailures,
        },
      },
    },
    "/queries/items/{id}/history": {
      get: {
        operationId: "getItemHistory",
        parameters: [itemId, limit, cursor, minVersion],
        responses: {
          "200": json("One page of the item's events, oldest first", "HistoryPage"),
          ...oneItemFailures,
        },
      },
    },
    "/queries/inventory": {
      get: {
        operationId: "getInventory",
        responses: {
          "200": json("Item count and stock per status", "Inventory"),
          ...authResponses,
          "500": failed,
          "503": unavailable,
        },
      },
    },
    "/queries/healthz": {
      get: {
        operationId: "health",
        security: open,
        responses: {
          "200": { description: "The read model database answers" },
          "503": problemResponse("Shutting down, or the read model database does not answer"),
        },
      },
    },
    "/queries/openapi.json": {
      get: {
        operationId: "openApi",
        security: open,
        responses: { "200": { description: "This document" } },
      },
    },
  },
  components: {
    securitySchemes,
    schemas: {
      Item: {
        type: "object",
        required: [
          "itemId",
          "name",
          "price",
          "stock",
          "status",
          "version",
          "createdAt",
          "updatedAt",
        ],
        properties: {
          itemId: { type: "string", format: "uuid" },
          name: { type: "string" },
          price: { type: "integer", description: "Minor currency units" },
          stock: { type: "integer" },
          status: { enum: ITEM_STATUSES },
          version: { type: "integer" },
          createdAt: { type: "string", format: "date-time" },
          updatedAt: { type: "string", format: "date-time" },
        },
      },
      ItemPage: {
        type: "object",
        required: ["items", "nextCursor"],
        properties: {
          items: { type: "array", items: { $ref: "#/components/schemas/Item" } },
          nextCursor: { type: ["string", "null"] },
        },
      },
      HistoryPage: {
        type: "object",
        required: ["itemId", "events", "nextCursor"],
        properties: {
          itemId: { type: "string", format: "uuid" },
          events: {
            type: "array",
            items: {
              type: "object",
              required: ["sequenceNumber", "eventId", "type", "occurredAt", "summary", "actor"],
              properties: {
                sequenceNumber: { type: "integer" },
                eventId: { type: "string" },
                type: { type: "string" },
                occurredAt: { type: "string", format: "date-time" },
                summary: { type: "string" },
                actor: {
                  description:
                    "Who caused the event: the access token's sub and client (null before tokens were required)",
                  type: ["object", "null"],
                  required: ["sub"],
                  properties: { sub: { type: "string" }, clientId: { type: "string" } },
                },
              },
            },
          },
          nextCursor: { type: ["string", "null"] },
        },
      },
      Inventory: {
        type: "object",
        required: ["totals"],
        properties: {
          totals: {
            type: "array",
            items: {
              type: "object",
              required: ["status", "itemCount", "stockUnits", "stockValue"],
              properties: {
                status: { enum: ITEM_STATUSES },
                itemCount: { type: "integer" },
                stockUnits: { type: "integer" },
                stockValue: { type: "string", description: "Σ stock × price, decimal string" },
              },
            },
          },
        },
      },
      Problem: problemSchema,
    },
  },
} as const;
