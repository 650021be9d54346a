import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { freePort } from "./dynamodb-local.js";

/** kinesalite's package entry, resolved from this project (a dev dependency). */
const kinesaliteEntry = (): string => createRequire(import.meta.url).resolve("kinesalite");

export interface Kinesalite {
  readonly endpoint: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

export interface KinesaliteOptions {
  readonly port?: number;
  /** Modules preloaded into the emulator's process (`--import`), e.g. a test's clock control. */
  readonly imports?: readonly string[];
  /** An IPC channel to the emulator's process (for a preloaded module to listen on). */
  readonly ipc?: boolean;
}

/**
 * Starts kinesalite (development and tests only) in memory in its own Node process on a loopback
 * port, like DynamoDB Local: its work never competes with the caller's event loop. Stream state
 * changes (create, split, merge) take 10 ms instead of the default 500.
 */
export const startKinesalite = async (options: KinesaliteOptions = {}): Promise<Kinesalite> => {
  const port = options.port ?? (await freePort());
  const script = `
    const kinesalite = require(${JSON.stringify(kinesaliteEntry())});
    const server = kinesalite({ createStreamMs: 10, deleteStreamMs: 10, updateStreamMs: 10, shardLimit: 1000 });
    server.listen(${port}, "127.0.0.1", () => console.log("kinesalite listening"));
  `;
  const child = spawn(
    process.execPath,
    [...(options.imports ?? []).flatMap((m) => ["--import", m]), "-e", script],
    {
      stdio: ["ignore", "pipe", "pipe", ...(options.ipc ? (["ipc"] as const) : [])],
      detached: true,
    },
  );
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (d) => {
      output += String(d);
      if (output.includes("kinesalite listening")) resolve();
    });
    child.stderr?.on("data", (d) => {
      output += String(d);
    });
    child.once("exit", (code) => reject(new Error(`kinesalite exited (${code}): ${output}`)));
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  await ready;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    process: child,
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res();
        child.once("exit", () => res());
        child.kill("SIGTERM");
      }),
  };
};
