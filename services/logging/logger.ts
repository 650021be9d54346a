import { type DestinationStream, type LevelWithSilent, type Logger, pino } from "pino";

export type { Logger } from "pino";

export interface LoggerOptions {
  /** Which deployable writes the line; on every line. */
  readonly service: string;
  /** From `LOG_LEVEL`; `info` when unset. */
  readonly level?: LevelWithSilent;
  /** Defaults to stdout, asynchronously (pino's sonic-boom). Tests pass a memory stream. */
  readonly destination?: DestinationStream;
}

/**
 * Stdout, written asynchronously (pino's sonic-boom, flushed on exit) and in batches: a line
 * waits for 4 KiB of others or at most 100 ms (sonic-boom's own timer), so a busy service makes
 * one write system call per batch, not per request. A process that writes other lines too (EMF
 * metrics) writes them here, so that everything goes to one stream.
 */
export const stdoutDestination = (): DestinationStream =>
  pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 100 });

/**
 * The one structured logger: JSON lines on one stream per process, each with `service`,
 * `level` (as a word) and `time`. Created once in each `main.ts` and passed down; per-shard
 * context rides on `logger.child(…)`, an HTTP request's correlation id is a field of its lines.
 */
export const createLogger = ({ service, level = "info", destination }: LoggerOptions): Logger =>
  pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? stdoutDestination(),
  );

/** For code paths (tests, benchmarks) where nobody reads the log. */
export const silentLogger: Logger = pino({ level: "silent" });

/**
 * Resolves once every line logged so far is on stdout, for a process about to exit. pino's own
 * `flush` returns at once for an unbuffered destination, and the synchronous flush on exit can
 * overtake a write still in flight: the last lines came out of order, or not at all.
 */
export const endLog = (logger: Logger, timeoutMs = 2_000): Promise<void> =>
  new Promise((resolve) => {
    const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as
      | { end?: () => void; once?: (event: string, listener: () => void) => void }
      | undefined;
    if (typeof stream?.end !== "function" || typeof stream.once !== "function") return resolve();
    setTimeout(resolve, timeoutMs).unref();
    stream.once("close", resolve);
    stream.end();
  });
