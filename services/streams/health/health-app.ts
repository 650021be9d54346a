import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { type Clock, systemClock } from "../../clock/clock.js";
import { problemResponse } from "../../http/problem.js";
import { type Heartbeat, healthOf } from "./heartbeat.js";

export interface HealthAppOptions {
  readonly heartbeat: Heartbeat;
  /** Longest silence of the worker loop still considered healthy. */
  readonly maxSilenceMs: number;
  readonly clock?: Clock;
}

/**
 * `GET /healthz`: 200 while the coordinator and every held shard beat, 503 (problem+json) once
 * one of them has been silent too long, or while a lease is held with no consumer reading it.
 */
export const healthApp = (options: HealthAppOptions): Hono => {
  const clock = options.clock ?? systemClock;
  const app = new Hono();
  app.get("/healthz", (c) => {
    const h = healthOf(options.heartbeat.lastBeatAt(), new Date(clock.now()), options.maxSilenceMs);
    const body = { lastProgressAt: h.lastProgressAt.toISOString(), silentForMs: h.silentForMs };
    const unread = options.heartbeat.unreadShards();
    if (unread.length > 0)
      return problemResponse(c, "unavailable", {
        detail: `leases held with no shard consumer running: ${unread.join(", ")}`,
        ...body,
      });
    if (h.healthy) return c.json({ status: "ok", ...body });
    return problemResponse(c, "unavailable", {
      detail: `the stream worker (coordinator or a held shard) made no progress for ${h.silentForMs} ms (limit ${options.maxSilenceMs} ms)`,
      ...body,
    });
  });
  return app;
};

/**
 * Serves the health app on `port` (0: any free port); `close` stops it. Loopback by default: the
 * container health check runs inside the task, and nothing else should reach the endpoint.
 */
export const startHealthServer = async (
  app: Hono,
  port: number,
  hostname = "127.0.0.1",
): Promise<{ readonly port: number; close(): Promise<void> }> =>
  new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname }, (info) =>
      resolve({
        port: info.port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    );
  });
