import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit as streamingBodyLimit } from "hono/body-limit";

export interface BodyLimitOptions {
  readonly maxBytes: number;
  readonly onTooLarge: (c: Context) => Response | Promise<Response>;
}

/**
 * Refuses a request body above `maxBytes` before it is read. With a declared `Content-Length`
 * (Node's parser never delivers more than it declares) the header alone decides, and the body
 * is left untouched for the handler to read straight from the socket; Hono's own `bodyLimit`
 * would first wrap it in a Web stream, which costs every request a `Request` object and a
 * stream read. A chunked body, whose size is unknown, is counted as it streams in (Hono's).
 */
export const bodyLimit = ({ maxBytes, onTooLarge }: BodyLimitOptions): MiddlewareHandler => {
  const streaming = streamingBodyLimit({ maxSize: maxBytes, onError: onTooLarge });
  return async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const declared = c.req.header("content-length");
    if (declared !== undefined && c.req.header("transfer-encoding") === undefined) {
      return Number(declared) > maxBytes ? onTooLarge(c) : next();
    }
    return streaming(c, next);
  };
};
