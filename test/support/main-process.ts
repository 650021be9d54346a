import { expect } from "vitest";
import { answersOk, freePort, launch, waitUntilReady } from "../../dev/child-process.js";

/** A deployable's main.ts running as a child process on a free port. */
export interface MainProcess {
  readonly base: string;
  /** SIGTERM, then its exit code, the JSON lines it wrote to stdout and what it wrote to stderr. */
  readonly terminate: () => Promise<{
    code: number | null;
    lines: Record<string, unknown>[];
    stderr: string;
  }>;
  /** The JSON lines written to stdout so far. */
  readonly lines: () => Record<string, unknown>[];
  /** SIGKILL if it is still running (for `finally`). */
  readonly kill: () => void;
}

const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/**
 * Starts `entry` with `env` plus a free port in `portVariable` (PORT; the consumer's health
 * server: HEALTH_PORT) and waits until `healthPath` answers 2xx.
 */
export const startMain = async (
  entry: string,
  env: Record<string, string>,
  healthPath: string,
  portVariable = "PORT",
): Promise<MainProcess> => {
  const port = await freePort();
  let stdout = "";
  let stderr = "";
  const child = launch({
    name: entry,
    command: process.execPath,
    args: ["--import", "tsx", entry],
    env: { ...process.env, ...env, [portVariable]: String(port) },
    // stdout holds only JSON lines (all of them are kept); stderr is kept apart and echoed.
    onOutput: (text, from) => {
      if (from === "stdout") stdout += text;
      else {
        stderr += text;
        process.stderr.write(text);
      }
    },
  });
  const base = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, answersOk(`${base}${healthPath}`), { timeoutMs: 15_000 });
  const terminate = async () => {
    const code = await child.stop(60_000);
    return { code, lines: jsonLines(stdout), stderr };
  };
  // Complete lines only: a chunk may end mid-line.
  const lines = () => jsonLines(stdout.slice(0, stdout.lastIndexOf("\n") + 1));
  return { base, terminate, lines, kill: child.kill };
};

/**
 * SIGTERM an HTTP service's main and assert it stopped cleanly: exit code 0, and its life-cycle
 * lines (all but the request lines, of which the start-up health probes add any number) are
 * `startup`, then "draining" and "stopped". Returns every line for more checks.
 */
export const expectCleanStop = async (
  main: MainProcess,
  startup: readonly string[],
): Promise<Record<string, unknown>[]> => {
  const { code, lines } = await main.terminate();
  expect(code).toBe(0);
  expect(lines.filter((l) => l.msg !== "request").map((l) => l.msg)).toEqual([
    ...startup,
    "draining",
    "stopped",
  ]);
  return lines;
};
