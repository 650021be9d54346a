import { type EventLoopUtilization, monitorEventLoopDelay, performance } from "node:perf_hooks";
import type { MiddlewareHandler } from "hono";
import { unavailableResponse } from "./problem.js";

/** How late this process's event loop has run lately, in milliseconds. */
export type EventLoopDelay = () => number;

/** The share of the last window this process's event loop spent working (0–1). */
export type EventLoopBusy = () => number;

export interface EventLoopMonitor {
  readonly delay: EventLoopDelay;
  readonly busy: EventLoopBusy;
  stop(): void;
}

/**
 * The event loop's delay from Node's own histogram: its mean over the last full window or the
 * current one, whichever is worse. A mean, not the worst tick: one GC pause, a moment of
 * preemption on a shared host or the CPU quota of a small Fargate task (0.25 vCPU runs 25 ms
 * in every 100) makes single ticks late without any backlog; a backlog makes them all late.
 * With it, how busy the loop was over the last window: ticks also run late when other processes
 * take the CPU from an idle loop, which is no backlog of ours.
 */
export const monitorEventLoop = ({ windowMs = 250, resolutionMs = 10 } = {}): EventLoopMonitor => {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  // Node records each tick's whole interval (≈ the resolution when on time); NaN with no sample.
  const meanMs = () =>
    Number.isNaN(histogram.mean) ? 0 : Math.max(0, histogram.mean / 1e6 - resolutionMs);
  let lastWindowMs = 0;
  let delayMs = 0;
  let busyShare = 0;
  let windowStart: EventLoopUtilization = performance.eventLoopUtilization();
  // Read on every request: kept up to date by timers, not computed per call.
  const windows = setInterval(() => {
    lastWindowMs = meanMs();
    histogram.reset();
    const now = performance.eventLoopUtilization();
    busyShare = performance.eventLoopUtilization(now, windowStart).utilization;
    windowStart = now;
  }, windowMs);
  const refresh = setInterval(() => {
    delayMs = Math.max(lastWindowMs, meanMs());
  }, resolutionMs * 2);
  windows.unref();
  refresh.unref();
  return {
    delay: () => delayMs,
    busy: () => busyShare,
    stop: () => {
      clearInterval(windows);
      clearInterval(refresh);
      histogram.disable();
    },
  };
};

export interface LoadSheddingOptions {
  readonly delay: EventLoopDelay;
  /** Above this delay a new request is refused before any work is spent on it… */
  readonly maxDelayMs: number;
  /** …if the loop is this busy too (absent: whatever its load). */
  readonly busy?: EventLoopBusy;
  readonly minBusy?: number;
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
  busy = () => 1,
  minBusy = 0,
  retryAfterSeconds = 1,
}: LoadSheddingOptions): MiddlewareHandler => {
  return async (c, next) => {
    if (delay() > maxDelayMs && busy() >= minBusy) {
      return unavailableResponse(c, "overloaded", retryAfterSeconds, {
        detail: "the service is too busy to take this request in time; retry later",
        reason: "EventLoopDelay",
      });
    }
    await next();
  };
};
