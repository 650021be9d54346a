import { createLogger, type Logger } from "../../services/logging/logger.js";

/** A parsed log line: pino's fields (`level` as a word, `msg`, `service`, `time`) and ours. */
export type LogLine = Record<string, unknown> & { readonly level: string; readonly msg: string };

/** The production logger writing into memory, so a test can assert what was logged. */
export const memoryLogger = (service = "test"): { logger: Logger; lines: LogLine[] } => {
  const lines: LogLine[] = [];
  const logger = createLogger({
    service,
    level: "debug",
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  });
  return { logger, lines };
};
