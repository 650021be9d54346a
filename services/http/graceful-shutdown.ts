import { endLog, type Logger } from "../logging/logger.js";

/** The parts of a Node HTTP server that draining needs. */
export interface DrainableServer {
  close(callback?: (error?: Error) => void): unknown;
  closeIdleConnections?(): void;
  closeAllConnections?(): void;
}

export interface DrainOptions {
  /** How long in-flight requests may take before their connections are cut. */
  readonly graceMs: number;
  /** How often connections that became idle are closed while draining. */
  readonly idleSweepMs?: number;
}

/**
 * Stops accepting connections, lets in-flight requests finish and resolves "drained" once the
 * last connection closed, or "forced" after `graceMs` (remaining connections are then cut).
 */
export const drain = (server: DrainableServer, { graceMs, idleSweepMs = 50 }: DrainOptions) =>
  new Promise<"drained" | "forced">((resolve) => {
    // A keep-alive connection turns idle once its last response is sent: close it then rather
    // than after the keep-alive timeout.
    const sweep = setInterval(() => server.closeIdleConnections?.(), idleSweepMs);
    const timer = setTimeout(() => {
      clearInterval(sweep);
      server.closeAllConnections?.();
      resolve("forced");
    }, graceMs);
    sweep.unref?.();
    timer.unref?.();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      resolve("drained");
    });
    server.closeIdleConnections?.();
  });

export interface DrainOnSignalOptions {
  readonly logger: Logger;
  readonly graceMs: number;
}

/**
 * The stop of an HTTP main (ECS stop: SIGTERM; Ctrl-C: SIGINT). Create it before the app, which
 * answers health with 503 while `isDraining()`; `listen` then installs the signal handlers: no
 * new connections, in-flight requests finish, `close` releases the rest and the process exits.
 */
export const drainOnSignal = ({ logger, graceMs }: DrainOnSignalOptions) => {
  let draining = false;
  return {
    isDraining: () => draining,
    listen(server: DrainableServer, close: () => Promise<void> | void = () => {}) {
      const shutdown = async (signal: string) => {
        if (draining) return;
        draining = true;
        logger.info({ signal, graceMs }, "draining");
        const how = await drain(server, { graceMs });
        await close();
        logger.info({ how }, "stopped");
        await endLog(logger);
        process.exit(0);
      };
      process.once("SIGTERM", () => void shutdown("SIGTERM"));
      process.once("SIGINT", () => void shutdown("SIGINT"));
    },
  };
};
