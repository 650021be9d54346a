/** The parts of a Node HTTP server that draining needs. */
export interface DrainableServer {
  close(callback?: (error?: Error) => void): unknown;
  closeIdleConnections?(): void;
  closeAllConnections?(): void;
}

export interface DrainOptions {
  /** How long in-flight requests may take before their connections are cut. */
  readonly graceMs: number;
}

/**
 * Stops accepting connections, lets in-flight requests finish and resolves "drained" once the
 * last connection closed, or "forced" after `graceMs` (remaining connections are then cut).
 */
export const drain = (server: DrainableServer, { graceMs }: DrainOptions) =>
  new Promise<"drained" | "forced">((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections?.();
      resolve("forced");
    }, graceMs);
    timer.unref?.();
    server.close(() => {
      clearTimeout(timer);
      resolve("drained");
    });
    // Keep-alive connections with no request in flight would otherwise hold `close` open.
    server.closeIdleConnections?.();
  });
