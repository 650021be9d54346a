import { endLog, type Logger } from "../logging/logger.js";
import { drain } from "./graceful-shutdown.js";
import { type ServeOptions, serveBehindLoadBalancer } from "./server.js";

export interface HttpProcessOptions {
  /** The deployable's name, for its "<name> listening" line. */
  readonly name: string;
  readonly logger: Logger;
  /** How long in-flight requests may take once the stop began. */
  readonly graceMs: number;
}

/**
 * The process shell of an API (ECS stop: SIGTERM; Ctrl-C: SIGINT). Create it before the app,
 * which answers health with 503 while `isDraining()`; `serve` listens on `port` behind the load
 * balancer and, on a signal, takes no new connections, lets in-flight requests finish, runs
 * `close` and exits.
 */
export const httpProcess = ({ name, logger, graceMs }: HttpProcessOptions) => {
  let draining = false;
  return {
    isDraining: () => draining,
    serve(
      app: Pick<ServeOptions, "fetch">,
      port: number,
      close: () => Promise<void> | void = () => {},
    ) {
      const server = serveBehindLoadBalancer({ fetch: app.fetch, port }, (info) =>
        logger.info({ port: info.port }, `${name} listening`),
      );
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
