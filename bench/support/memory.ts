import { readdirSync, readFileSync, writeFileSync } from "node:fs";

/** A `kB` field (VmRSS, VmHWM) of /proc/<pid>/status in bytes; undefined off Linux or once gone. */
export const procStatusBytes = (pid: number, field: "VmRSS" | "VmHWM"): number | undefined => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
    return m?.[1] ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
};

export interface RssSampler {
  /** Peak RSS so far: the kernel's high-water mark when available, else the sampled maximum. */
  peakBytes(): number | undefined;
  stop(): void;
}

/**
 * Samples VmRSS every `intervalMs` and keeps the kernel's VmHWM (peak resident set since the
 * process started), so the peak is exact even between samples; call peakBytes() before the
 * process exits.
 */
export const sampleRss = (pid: number, intervalMs = 250): RssSampler => {
  let sampledMax: number | undefined;
  let hwm: number | undefined;
  const sample = () => {
    const rss = procStatusBytes(pid, "VmRSS");
    if (rss !== undefined) sampledMax = Math.max(sampledMax ?? 0, rss);
    hwm = procStatusBytes(pid, "VmHWM") ?? hwm;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    peakBytes: () => {
      sample();
      return hwm ?? sampledMax;
    },
    stop: () => clearInterval(timer),
  };
};

export const mib = (bytes: number): number => bytes / (1024 * 1024);

/**
 * CPU time (user + system) a process has used so far, in seconds, from /proc/<pid>/stat
 * (assumes the usual 100 clock ticks per second); undefined off Linux or once gone.
 */
export const cpuSeconds = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name, which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / 100 : undefined;
  } catch {
    return undefined;
  }
};

/** Resets the kernel's peak-RSS mark (VmHWM) of a process, so a later peak covers one phase. */
export const resetPeakRss = (pid: number): boolean => {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
};

/**
 * CPU time a process's live threads have used so far, in milliseconds, to the nanosecond: the
 * sum of /proc/<pid>/task/<tid>/schedstat. Every thread counts (V8's GC and compiler workers,
 * libuv's pool), as for `process.cpuUsage()`; /proc/<pid>/stat has the same total in 10 ms
 * ticks, too coarse for blocks of a few dozen requests. Undefined off Linux or once gone.
 */
export const threadCpuMs = (pid: number): number | undefined => {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // the thread ended between the listing and the read
      }
    }
    return ns / 1e6;
  } catch {
    return undefined;
  }
};
