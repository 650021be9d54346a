import { spawn } from "node:child_process";
import { once } from "node:events";
import { freePort } from "../../dev/dynamodb-local.js";
import { eventually } from "./infra.js";

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
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const kill = () => {
    if (child.exitCode === null) child.kill("SIGKILL");
  };
  const base = `http://127.0.0.1:${port}`;
  try {
    await eventually(() => fetch(`${base}${healthPath}`).then((r) => r.ok || undefined), {
      what: `${entry} to listen`,
    });
  } catch (e) {
    kill();
    throw e;
  }
  const terminate = async () => {
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { code, lines };
  };
  return { base, terminate, kill };
};
