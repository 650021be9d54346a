import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, type LocalEmulator, startEmulator } from "./child-process.js";

/** Exact version of the npm package that ships the official DynamoDB Local jar (1.25.1). */
export const DYNAMODB_LOCAL_PACKAGE = "amplify-dynamodb-simulator@2.9.30";

// The jar is cached in the repository's .cache/ (git-ignored), wherever the process was started.
const cacheRoot = fileURLToPath(new URL("../../.cache/dynamodb-local", import.meta.url));
const jarDir = join(cacheRoot, DYNAMODB_LOCAL_PACKAGE.replace(/[@/]/g, "_"));

const assertJava = (): void => {
  try {
    execFileSync("java", ["-version"], { stdio: "ignore" });
  } catch {
    throw new Error(
      "DynamoDB Local needs Java 17+: install it (e.g. `apt-get install openjdk-17-jre-headless`) or set DYNAMODB_ENDPOINT to a running DynamoDB",
    );
  }
};

/**
 * Takes only the tarball of the npm package (integrity-checked by npm) instead of installing it
 * with its ~280 dependencies, and keeps its `emulator/` folder in a cache.
 */
export const ensureDynamoDbLocalJar = (): string => {
  if (existsSync(join(jarDir, "DynamoDBLocal.jar"))) return jarDir;
  const tmp = `${jarDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  execFileSync("npm", ["pack", DYNAMODB_LOCAL_PACKAGE, "--silent", "--pack-destination", tmp], {
    stdio: "pipe",
  });
  const tarball = readdirSync(tmp).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error(`npm pack ${DYNAMODB_LOCAL_PACKAGE} produced no tarball`);
  execFileSync("tar", ["-xzf", join(tmp, tarball), "-C", tmp, "package/emulator"]);
  rmSync(jarDir, { recursive: true, force: true });
  try {
    renameSync(join(tmp, "package", "emulator"), jarDir);
  } catch (e) {
    // Another process won the race: its copy is as good as ours.
    if (!existsSync(join(jarDir, "DynamoDBLocal.jar"))) throw e;
  }
  rmSync(tmp, { recursive: true, force: true });
  return jarDir;
};

export type DynamoDbLocal = LocalEmulator;

export interface DynamoDbLocalOptions {
  readonly port?: number;
  /** Extra environment for the JVM, e.g. libfaketime's LD_PRELOAD / FAKETIME. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts the official DynamoDB Local jar in memory on a loopback port and waits until it answers. */
export const startDynamoDbLocal = async (
  options: DynamoDbLocalOptions = {},
): Promise<DynamoDbLocal> => {
  assertJava();
  const dir = ensureDynamoDbLocalJar();
  const port = options.port ?? (await freePort());
  return startEmulator(port, {
    name: "DynamoDB Local",
    command: "java",
    args: [
      `-Djava.library.path=${join(dir, "DynamoDBLocal_lib")}`,
      "-Xmx1g",
      "-jar",
      join(dir, "DynamoDBLocal.jar"),
      "-inMemory",
      "-port",
      String(port),
    ],
    env: { ...process.env, ...options.env },
  });
};
