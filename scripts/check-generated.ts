// Fails when services/gen differs from what `buf generate` produces from proto/.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const committed = "services/gen";
const out = mkdtempSync(join(tmpdir(), "buf-gen-"));
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });

try {
  execFileSync(
    "npx",
    [
      "buf",
      "generate",
      "--template",
      JSON.stringify({
        version: "v2",
        plugins: [{ local: "protoc-gen-es", out, opt: ["target=ts", "import_extension=js"] }],
      }),
    ],
    { stdio: "inherit" },
  );
  const want = new Map(files(out).map((f) => [relative(out, f), readFileSync(f, "utf8")]));
  const have = new Map(
    files(committed).map((f) => [relative(committed, f), readFileSync(f, "utf8")]),
  );
  const stale = [...new Set([...want.keys(), ...have.keys()])].filter(
    (k) => want.get(k) !== have.get(k),
  );
  if (stale.length > 0) {
    console.error(
      `generated code is out of date with proto/: ${stale.join(", ")}\nrun: npm run proto:generate`,
    );
    process.exit(1);
  }
  console.log(`generated code is up to date (${want.size} files)`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
