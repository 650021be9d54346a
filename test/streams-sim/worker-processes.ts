import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { launch } from "../../dev/child-process.js";
import type { WorkerProcessSettings } from "./worker-process.js";

const source = fileURLToPath(new URL("./worker-process.ts", import.meta.url));
const bundled = new Map<string, Promise<string>>();

/**
 * The worker script bundled once into plain JavaScript: a restarted worker is then up in a few
 * hundred milliseconds instead of seconds of TypeScript compilation on a 2-core machine.
 */
const workerScript = (entry: string): Promise<string> => {
  const existing = bundled.get(entry);
  if (existing) return existing;
  const script = (async () => {
    // Inside node_modules so the bundle's external packages resolve from the project.
    const dir = join(process.cwd(), "node_modules", ".cache", "streams-sim");
    mkdirSync(dir, { recursive: true });
    // Built under a private name, then renamed: parallel test files never see a partial file.
    const name = basename(entry, ".ts");
    const outfile = join(dir, `${name}.mjs`);
    const building = join(dir, `${name}-${process.pid}-${Date.now()}.mjs`);
    await build({
      entryPoints: [entry],
      outfile: building,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      logLevel: "silent",
    });
    renameSync(building, outfile);
    return outfile;
  })();
  bundled.set(entry, script);
  return script;
};

/** One line of the shared worker log: kind (H handled, T taken, R ready, X exited, E error). */
export interface LogLine {
  readonly kind: string;
  readonly worker: string;
  readonly fields: readonly string[];
  readonly at: number;
}

/** Complete lines of the log so far (a line still being written is left for the next read). */
export const readLog = (file: string): LogLine[] => {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, "utf8").split("\n");
  lines.pop();
  return lines.map((l) => {
    const parts = l.split("\t");
    return {
      kind: parts[0] ?? "",
      worker: parts[1] ?? "",
      fields: parts.slice(2, -1),
      at: Number(parts.at(-1)),
    };
  });
};

export const handledOf = (log: readonly LogLine[]) =>
  log
    .filter((l) => l.kind === "H")
    .map((l) => ({ key: l.fields[0] ?? "", version: Number(l.fields[1]), at: l.at, by: l.worker }));

/**
 * Starts a worker process (through the one launcher: it never outlives the test run); its
 * stdout/stderr are kept for failure messages.
 */
export const spawnWorker = async (
  settings: WorkerProcessSettings | object,
  entry: string = source,
): Promise<ChildProcess & { output: string[] }> => {
  const script = await workerScript(entry);
  const output: string[] = [];
  const launched = launch({
    name: "stream worker",
    command: process.execPath,
    args: [script, JSON.stringify(settings)],
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
    onOutput: (text) => output.push(text),
  });
  return Object.assign(launched.child, { output });
};

export const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once("exit", (code) => resolve(code)));
