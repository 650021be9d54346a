/** Flags shared by every bench: `--quick` for a smoke run; `--flag=value` options. */
export interface BenchArgs {
  readonly quick: boolean;
  option(name: string): string | undefined;
  flag(name: string): boolean;
}

export const benchArgs = (argv: readonly string[] = process.argv.slice(2)): BenchArgs => ({
  quick: argv.includes("--quick"),
  option: (name) => {
    const prefix = `--${name}=`;
    return argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
  },
  flag: (name) => argv.includes(`--${name}`),
});

/** A deterministic PRNG (mulberry32), so generated workloads are the same on every run. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
