import { monitorEventLoopDelay } from "node:perf_hooks";
import type { MiddlewareHandler } from "hono";
import { unavailableResponse } from "./problem.js";

/** How late this process's event loop has run lately, in milliseconds. */
export type EventLoopDelay = () => number;

export interface EventLoopMonitor {
  readonly delay: EventLoopDelay;
  stop(): void;
}

/**
 * The event loop's delay from Node's own histogram: the worst seen over the last full window and
 * the current one, so one slow tick is forgotten within two windows and a lasting backlog is not.
 */
export const monitorEventLoop = ({ windowMs = 250, resolutionMs = 10 } = {}): EventLoopMonitor => {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  let lastWindowMs = 0;
  const timer = setInterval(() => {
    lastWindowMs = histogram.max / 1e6;
    histogram.reset();
  }, windowMs);
  timer.unref();
  return {
    delay: () => Math.max(lastWindowMs, histogram.max / 1e6),
    stop: () => {
      clearInterval(timer);
      histogram.disable();
    },
  };
};

export interface LoadSheddingOptions {
  readonly delay: EventLoopDelay;
  /** Above this delay a new request is refused before any work is spent on it. */
  readonly maxDelayMs: number;
  readonly retryAfterSeconds?: number;
}

/**
 * Refuses new work with 503 + Retry-After while the event loop runs late. A late loop means
 * requests already wait in socket buffers before any handler sees them, where no deadline or
 * queue bound can reach them; refusing early (before authentication and body parsing) spends
 * the least CPU on work that would be answered too late anyway, so the backlog drains.
 */
export const shedLoad = ({
  delay,
  maxDelayMs,
  retryAfterSeconds = 1,
}: LoadSheddingOptions): MiddlewareHandler => {
  return async (c, next) => {
    const lateMs = delay();
    if (lateMs > maxDelayMs) {
      return unavailableResponse(c, "overloaded", retryAfterSeconds, {
        detail: "the service is too busy to take this request in time; retry later",
        reason: "EventLoopDelay",
      });
    }
    await next();
  };
};
