import { answersOk, freePort, launch, waitUntilReady } from "../../dev/child-process.js";

/** A deployable's main.ts running as a child process on a free port. */
export interface MainProcess {
  readonly base: string;
  /** SIGTERM, then its exit code and the JSON log lines it wrote to stdout. */
  readonly terminate: () => Promise<{
    code: number | null;
    lines: Record<string, unknown>[];
  }>;
  /** SIGKILL if it is still running (for `finally`). */
  readonly kill: () => void;
}

/** Starts `entry` with `env` (plus PORT) and waits until `healthPath` answers 2xx. */
export const startMain = async (
  entry: string,
  env: Record<string, string>,
  healthPath: string,
): Promise<MainProcess> => {
  const port = await freePort();
  const child = launch({
    name: entry,
    command: process.execPath,
    args: ["--import", "tsx", entry],
    env: { ...process.env, ...env, PORT: String(port) },
    // stdout holds only JSON lines (all of them are kept); stderr passes through.
    stderr: "inherit",
    keepBytes: Number.POSITIVE_INFINITY,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, answersOk(`${base}${healthPath}`), { timeoutMs: 15_000 });
  const terminate = async () => {
    const code = await child.stop(60_000);
    const lines = child
      .output()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { code, lines };
  };
  return { base, terminate, kill: child.kill };
};
