import { rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Where the running local stack leaves its settings for the operator CLIs: `npm run rebuild` and
 * `npm run parked` load it with `node --env-file-if-exists` (variables already set in the
 * environment win). Git-ignored; removed when the stack stops.
 */
export const LOCAL_SETTINGS_FILE = ".local-stack.env";

const path = fileURLToPath(new URL(`../${LOCAL_SETTINGS_FILE}`, import.meta.url));

/** Pure: the settings as a dotenv file, one `NAME=value` a line, behind a header. */
export const renderSettings = (values: Readonly<Record<string, string>>): string =>
  [
    "# Written by `npm start` while the local stack runs; removed when it stops.",
    "# Read by `npm run rebuild` and `npm run parked` (the environment wins over this file).",
    ...Object.entries(values).map(([name, value]) => `${name}=${value}`),
    "",
  ].join("\n");

/** Writes the file (owner-only: it holds the unmasked database URL); returns its path. */
export const writeLocalSettings = (values: Readonly<Record<string, string>>): string => {
  writeFileSync(path, renderSettings(values), { mode: 0o600 });
  return path;
};

export const removeLocalSettings = (): void => rmSync(path, { force: true });
