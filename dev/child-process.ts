import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { type Clock, systemClock } from "../services/clock/clock.js";

/**
 * The one way the development tooling (local stack, tests, benchmarks, the production smoke run)
 * starts a process and waits until it is ready: DynamoDB Local, embedded Postgres, a deployable's
 * main.ts, a bench.
 */

/** A free loopback port (the OS picks it; another process may take it before we bind). */
export const freePort = (): Promise<number> =>
  new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === "object" && address ? res(address.port) : rej(new Error("no port")),
      );
    });
  });

export interface LaunchOptions {
  /** How errors name it. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** The whole environment of the child (nothing is inherited implicitly). */
  readonly env?: NodeJS.ProcessEnv;
  /** Own process group: Ctrl-C in a terminal reaches only us, and we stop the child ourselves. */
  readonly detached?: boolean;
  /** Keep stdin open as a pipe (a child that exits when its parent goes away watches it). */
  readonly stdin?: "ignore" | "pipe";
  /** "pipe" (default): captured for `output()`; "inherit": straight to our own stderr. */
  readonly stderr?: "pipe" | "inherit";
  /** How much of the captured output `output()` keeps (the end of it); default 64 KiB. */
  readonly keepBytes?: number;
  /** Sees every chunk as it arrives (e.g. to relay it with a prefix). */
  readonly onOutput?: (text: string, from: "stdout" | "stderr") => void;
}

export interface Launched {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The captured stdout (and stderr when piped), at most `keepBytes` of its end. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited(): Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL if it is still running (for `finally`). */
  kill(): void;
}

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

// Every child still running is killed when this process exits (one hook for all of them).
const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of children) if (running(child)) child.kill("SIGKILL");
});

/** Starts a child that never outlives this process (it is killed on our exit). */
export const launch = (options: LaunchOptions): Launched => {
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: options.detached ?? false,
    stdio: [options.stdin ?? "ignore", "pipe", options.stderr ?? "pipe"],
  });
  // A command that cannot be spawned emits 'error' after we have thrown below: not a crash.
  child.once("error", () => undefined);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name} did not start (${options.command})`);
  children.add(child);
  const exit = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  const keep = options.keepBytes ?? 65_536;
  let captured = "";
  const capture = (from: "stdout" | "stderr") => (chunk: Buffer) => {
    const text = String(chunk);
    captured = (captured + text).slice(-keep);
    options.onOutput?.(text, from);
  };
  child.stdout?.on("data", capture("stdout"));
  child.stderr?.on("data", capture("stderr"));
  const kill = () => {
    if (running(child)) child.kill("SIGKILL");
  };
  return {
    name: options.name,
    child,
    pid,
    output: () => captured,
    exited: () => exit,
    kill,
    stop: async (graceMs = 10_000) => {
      if (!running(child)) return child.exitCode;
      const timer = setTimeout(kill, graceMs);
      child.kill("SIGTERM");
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };
};

export interface ReadyOptions {
  /** Default 60 s. */
  readonly timeoutMs?: number;
  /** Between probes; default 100 ms. */
  readonly intervalMs?: number;
  readonly clock?: Clock;
}

/**
 * Probes until `ready` answers true. Fails (and kills the child) when the child exits first or
 * the time is up, with the child's output in the error.
 */
export const waitUntilReady = async (
  launched: Launched,
  ready: () => Promise<boolean>,
  { timeoutMs = 60_000, intervalMs = 100, clock = systemClock }: ReadyOptions = {},
): Promise<void> => {
  const deadline = clock.now() + timeoutMs;
  const { child } = launched;
  while (clock.now() < deadline) {
    if (!running(child))
      throw new Error(`${launched.name} exited (${child.exitCode}):\n${launched.output()}`);
    if (await ready().catch(() => false)) return;
    await clock.sleep(intervalMs);
  }
  launched.kill();
  throw new Error(`${launched.name} was not ready within ${timeoutMs} ms:\n${launched.output()}`);
};

/** A readiness probe: the URL answers 2xx. */
export const answersOk =
  (url: string, init: RequestInit = {}): (() => Promise<boolean>) =>
  () =>
    fetch(url, { ...init, signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );

/** `launch`, then `waitUntilReady`. */
export const startProcess = async (
  options: LaunchOptions & { readonly ready: () => Promise<boolean> } & ReadyOptions,
): Promise<Launched> => {
  const launched = launch(options);
  await waitUntilReady(launched, options.ready, options);
  return launched;
};

/** An emulator (DynamoDB Local, kinesalite) serving on a loopback endpoint. */
export interface LocalEmulator {
  readonly endpoint: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts an emulator on `port` and waits until it answers HTTP at all: an emulator that refuses
 * an empty request is listening.
 */
export const startEmulator = async (
  port: number,
  options: LaunchOptions & ReadyOptions,
): Promise<LocalEmulator> => {
  const endpoint = `http://127.0.0.1:${port}`;
  const launched = await startProcess({
    detached: true,
    ...options,
    ready: () =>
      fetch(endpoint, { method: "POST", signal: AbortSignal.timeout(1000) }).then(() => true),
  });
  return {
    endpoint,
    process: launched.child,
    stop: async () => {
      await launched.stop();
    },
  };
};
