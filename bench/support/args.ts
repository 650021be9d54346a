/** Flags shared by every bench: `--quick` for a smoke run; `--flag=value` options. */
export interface BenchArgs {
  readonly quick: boolean;
  /**
   * Whether the run records its figures (its section of docs/benchmarks.md, and anything else it
   * keeps): one rule for every bench and bench/run.ts. A full run does; `--quick` never does
   * (smoke figures must not replace measured ones); `--no-write` opts a full run out. `--write`
   * only states the default.
   */
  readonly write: boolean;
  option(name: string): string | undefined;
  flag(name: string): boolean;
}

export const benchArgs = (argv: readonly string[] = process.argv.slice(2)): BenchArgs => {
  const quick = argv.includes("--quick");
  const noWrite = argv.includes("--no-write");
  // Fail before a run of minutes rather than leave the docs as they were without saying so.
  if (argv.includes("--write") && (quick || noWrite))
    throw new Error(
      `--write contradicts ${quick ? "--quick (a quick run never writes docs/benchmarks.md)" : "--no-write"}`,
    );
  return {
    quick,
    write: !quick && !noWrite,
    option: (name) => {
      const prefix = `--${name}=`;
      return argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
    },
    flag: (name) => argv.includes(`--${name}`),
  };
};

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
