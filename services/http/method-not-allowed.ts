import type { Context, Env, Hono } from "hono";
import { inspectRoutes } from "hono/dev";
import { routePath } from "hono/route";
import { METHOD_NAME_ALL } from "hono/router";
import { TrieRouter } from "hono/router/trie-router";
import type { Schema } from "hono/types";
import { problemResponse } from "./problem.js";

/** One registered route, as `inspectRoutes` from `hono/dev` describes it. */
export interface RouteInfo {
  readonly method: string;
  readonly path: string;
  readonly isMiddleware: boolean;
}

const ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const rank = (method: string) => {
  const i = ORDER.indexOf(method);
  return i === -1 ? ORDER.length : i;
};

/**
 * The methods each path is served with, by the same pattern matching Hono routes with (a
 * TrieRouter over the route patterns). Middleware and `ALL` routes name no method and are left
 * out. HEAD is implied by GET (Hono answers HEAD with the GET handler). An unknown path: [].
 */
export const allowedMethods = (routes: readonly RouteInfo[]): ((path: string) => string[]) => {
  const router = new TrieRouter<string>();
  for (const r of routes) {
    if (r.isMiddleware || r.method === METHOD_NAME_ALL) continue;
    router.add(METHOD_NAME_ALL, r.path, r.method);
  }
  return (path) => {
    const methods = new Set(router.match(METHOD_NAME_ALL, path)[0].map(([method]) => method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  };
};

/**
 * Answers every request under `scope` (e.g. "/commands/*") that no route answered:
 * - a path served with other methods: 405 problem+json with `Allow` (RFC 9110 §15.5.6);
 * - OPTIONS on a served path: 204 with `Allow`;
 * - anything else: the 404 `not-found` problem.
 * Call it last, once every route is registered: the methods are read from `app.routes` then.
 * It is a route (not `notFound`), so it keeps working when the app is mounted with `app.route`.
 */
export const installRouteFallback = <E extends Env, S extends Schema, B extends string>(
  app: Hono<E, S, B>,
  scope: string,
): void => {
  const allowed = allowedMethods(inspectRoutes(app));
  app.all(scope, (c: Context) => {
    // Mounted under a base path, the request path carries it; the patterns above do not.
    const registered = routePath(c);
    const mount = registered.endsWith(scope) ? registered.slice(0, -scope.length) : "";
    const path = c.req.path.startsWith(mount) ? c.req.path.slice(mount.length) || "/" : c.req.path;
    const method = c.req.method;
    const served = allowed(path);
    if (served.length > 0 && !served.includes(method)) {
      // This fallback answers OPTIONS itself, so OPTIONS is always allowed on a served path.
      const allow = served.includes("OPTIONS") ? served : [...served, "OPTIONS"];
      c.header("Allow", allow.join(", "));
      if (method === "OPTIONS") return c.body(null, 204);
      return problemResponse(c, "method-not-allowed", {
        detail: `${method} is not allowed on ${c.req.path}`,
        allow,
      });
    }
    return problemResponse(c, "not-found", { detail: `no route ${method} ${c.req.path}` });
  });
};
