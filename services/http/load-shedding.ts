import { type EventLoopUtilization, performance } from "node:perf_hooks";
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
 * How late the event loop runs, from a timer of our own that should tick every `resolutionMs`:
 * the mean lateness of its ticks over the last full window or the current one, whichever is
 * worse. A mean, not the worst tick: one GC pause, a moment of preemption on a shared host or the
 * CPU quota of a small Fargate task (0.25 vCPU runs 25 ms in every 100) makes single ticks late
 * without any backlog; a backlog makes them all late. With it, how busy the loop was over the
 * last window: ticks also run late when other processes take the CPU from an idle loop, which is
 * no backlog of ours.
 *
 * Not `perf_hooks.monitorEventLoopDelay`: reading its mean walks every bucket of an HDR
 * histogram, and keeping that mean fresh for every request cost about 2% of the command API's
 * CPU. Here a read is a subtraction and a division.
 */
export const monitorEventLoop = ({ windowMs = 250, resolutionMs = 10 } = {}): EventLoopMonitor => {
  let lateSum = 0;
  let ticks = 0;
  let lastWindowMs = 0;
  let busyShare = 0;
  let windowStart: EventLoopUtilization = performance.eventLoopUtilization();
  let windowEnds = performance.now() + windowMs;
  let due = performance.now() + resolutionMs;
  const tick = () => {
    const now = performance.now();
    lateSum += Math.max(0, now - due);
    ticks += 1;
    if (now >= windowEnds) {
      lastWindowMs = lateSum / ticks;
      lateSum = 0;
      ticks = 0;
      const utilization = performance.eventLoopUtilization();
      busyShare = performance.eventLoopUtilization(utilization, windowStart).utilization;
      windowStart = utilization;
      windowEnds = now + windowMs;
    }
    due = now + resolutionMs;
    timer.refresh();
  };
  const timer = setTimeout(tick, resolutionMs).unref();
  return {
    delay: () => Math.max(lastWindowMs, ticks === 0 ? 0 : lateSum / ticks),
    busy: () => busyShare,
    stop: () => clearTimeout(timer),
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
