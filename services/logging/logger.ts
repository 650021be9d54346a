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
 * Stdout, written asynchronously (pino's sonic-boom, flushed on exit). A process that writes
 * other lines too (EMF metrics) writes them here, so that everything goes to one stream.
 */
export const stdoutDestination = (): DestinationStream =>
  pino.destination({ dest: 1, sync: false });

/**
 * The one structured logger: JSON lines on one stream per process, each with `service`,
 * `level` (as a word) and `time`. Created once in each `main.ts` and passed down; per-request
 * and per-shard context rides on `logger.child({ correlationId })`.
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
