import type { ChildProcess } from "node:child_process";

// Children a bench started; killed if the bench dies before stopping them, so no JVM or service
// outlives a crashed or interrupted benchmark.
const children = new Set<ChildProcess>();

export const track = (child: ChildProcess): void => {
  children.add(child);
  child.once("exit", () => children.delete(child));
};

const killAll = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
};

process.once("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null if killed). */
export const stopChild = (child: ChildProcess, graceMs = 10_000): Promise<number | null> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill("SIGTERM");
  });
