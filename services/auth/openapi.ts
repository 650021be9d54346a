// How both OpenAPI documents describe the door (docs/auth.md).
import { problemResponse } from "../http/openapi-document.js";
import { REALM } from "./bearer.js";
import type { Scope } from "./caller.js";

export const securitySchemes = {
  bearer: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "An access token (RS256/ES256) of the configured issuer: Cognito client-credentials, or the development issuer of `npm start`",
  },
} as const;

/** Document-wide requirement: a bearer token granting `scope`. */
export const requiresScope = (scope: Scope) => [{ bearer: [scope] }];

/** For health checks and the OpenAPI documents: no token. */
export const open = [] as const;

const challenge = {
  "WWW-Authenticate": {
    schema: { type: "string" },
    description: `Bearer realm="${REALM}", with error="invalid_token" or error="insufficient_scope"`,
  },
};

export const authResponses = {
  "401": {
    ...problemResponse("No bearer token, or one that is malformed, expired or not ours"),
    headers: challenge,
  },
  "403": { ...problemResponse("The token lacks the route's scope"), headers: challenge },
};
