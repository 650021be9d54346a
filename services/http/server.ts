import { type ServerType, serve } from "@hono/node-server";

/** The load balancer's idle timeout (ALB default). */
export const LOAD_BALANCER_IDLE_TIMEOUT_MS = 60_000;

export interface ServeOptions {
  readonly fetch: (request: Request) => Response | Promise<Response>;
  readonly port: number;
  readonly hostname?: string;
  /** Must exceed the load balancer's idle timeout (default: 65 s). */
  readonly keepAliveTimeoutMs?: number;
}

/**
 * Serves an app behind the load balancer. Node closes an idle keep-alive connection after 5 s
 * by default; the ALB reuses connections for up to 60 s, and a request it sends on one Node is
 * closing fails as a 502. So Node keeps connections open longer than the ALB does, and waits
 * longer for headers than for idle (Node requires headersTimeout ≥ keepAliveTimeout's intent).
 */
export const serveBehindLoadBalancer = (
  {
    fetch,
    port,
    hostname,
    keepAliveTimeoutMs = LOAD_BALANCER_IDLE_TIMEOUT_MS + 5_000,
  }: ServeOptions,
  onListening?: (info: { port: number }) => void,
): ServerType => {
  const server = serve({ fetch, port, hostname }, onListening);
  if ("keepAliveTimeout" in server) {
    server.keepAliveTimeout = keepAliveTimeoutMs;
    server.headersTimeout = keepAliveTimeoutMs + 1_000;
  }
  return server;
};
