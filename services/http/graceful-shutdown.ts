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
