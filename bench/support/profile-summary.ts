// Prints what a `node --cpu-prof` profile spends its time on.
// Usage: npx tsx bench/support/profile-summary.ts <file.cpuprofile> [top]
import { readFileSync } from "node:fs";
import { type CpuProfile, type ProfileEntry, summarizeProfile } from "./cpu-profile.js";

const [file, top] = process.argv.slice(2);
if (!file) {
  console.error("usage: npx tsx bench/support/profile-summary.ts <file.cpuprofile> [top]");
  process.exit(2);
}
const summary = summarizeProfile(
  JSON.parse(readFileSync(file, "utf8")) as CpuProfile,
  Number(top ?? 20),
);
const show = (title: string, rows: readonly ProfileEntry[]) => {
  console.log(`\n${title}`);
  for (const r of rows)
    console.log(
      `  ${(r.share * 100).toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.key}`,
    );
};
console.log(`busy CPU time: ${summary.totalMs.toFixed(0)} ms (idle excluded)`);
show("self time by package", summary.selfByPackage);
show("self time by function", summary.selfByFunction);
show("inclusive time by function", summary.totalByFunction);
show("charged to the innermost project function", summary.byProjectFrame);
