import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, beforeAll } from "vitest";
import { journalTable, leasesTable } from "../../services/tables/definitions.js";
import type { TestTables } from "../support/infra.js";
import { createTestTables } from "../support/infra.js";
import { exited } from "./worker-processes.js";

/**
 * The journal and lease tables of a suite of worker processes, made before its tests; afterwards
 * every child in `children` is killed, the tables dropped and the shared `logFile` removed.
 */
export const workerProcessTables = (
  children: readonly (ChildProcess | undefined)[],
  logFile: string,
): (() => TestTables) => {
  let tables: TestTables | undefined;
  beforeAll(async () => {
    tables = await createTestTables([journalTable, leasesTable]);
  });
  afterAll(async () => {
    const started = children.filter((c): c is ChildProcess => c !== undefined);
    for (const c of started) c.kill("SIGKILL");
    await Promise.all(started.map(exited));
    await tables?.drop();
    rmSync(logFile, { force: true });
  });
  return () => {
    if (!tables) throw new Error("the tables are made in beforeAll");
    return tables;
  };
};
