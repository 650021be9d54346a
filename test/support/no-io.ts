/**
 * The unit tier's guard (vitest setupFiles): a unit test that starts a process or opens a TCP
 * connection fails at once instead of quietly needing DynamoDB Local, Postgres or a JVM.
 */
import { createRequire, syncBuiltinESMExports } from "node:module";

const require = createRequire(import.meta.url);
const refuse = (what: string) => () => {
  throw new Error(`unit tests do no I/O, yet one tried ${what}: move it to test/integration`);
};

const childProcess = require("node:child_process") as Record<string, unknown>;
for (const f of ["spawn", "spawnSync", "fork", "exec", "execSync", "execFile", "execFileSync"])
  childProcess[f] = refuse(`child_process.${f}`);
const net = require("node:net") as typeof import("node:net");
net.Socket.prototype.connect = refuse("a TCP connection") as never;
// The ESM named exports (`import { spawn } from "node:child_process"`) follow the patched object.
syncBuiltinESMExports();
