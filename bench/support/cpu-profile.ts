/** The parts of a V8 `.cpuprofile` (written by `node --cpu-prof`) this summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileEntry {
  readonly key: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Self time by function, busiest first. */
  readonly selfByFunction: readonly ProfileEntry[];
  /** Self time by package (node_modules/<pkg>), project folder, or Node internals. */
  readonly selfByPackage: readonly ProfileEntry[];
  /** Inclusive time by function (each function counted once per stack). */
  readonly totalByFunction: readonly ProfileEntry[];
  /** Every sample charged to the innermost project function on its stack: who causes the cost. */
  readonly byProjectFrame: readonly ProfileEntry[];
}

const isProjectUrl = (url: string) => /\/services\//.test(url) && !url.includes("node_modules");

/** Where a frame's code lives: an npm package, a project folder, Node itself, or V8/GC. */
export const packageOf = (url: string, functionName: string): string => {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm?.[1]) return nm[1];
  if (url.startsWith("node:")) return "node:internal";
  const project = /\/(services|bench|test)\/([^/]+)/.exec(url);
  if (project) return `${project[1]}/${project[2]}`;
  return url;
};

const frameKey = (f: CpuProfile["nodes"][number]["callFrame"]) => {
  const file = f.url.replace(/^file:\/\//, "").replace(/^.*\/(node_modules|services)\//, "$1/");
  return `${f.functionName || "(anonymous)"} ${file}${file ? `:${f.lineNumber + 1}` : ""}`;
};

const ranked = (m: Map<string, number>, total: number, top: number): ProfileEntry[] =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => ({ key, ms: us / 1000, share: total === 0 ? 0 : us / total }));

/** Self and inclusive time of a profile, ignoring the idle loop. */
export const summarizeProfile = (profile: CpuProfile, top = 20): ProfileSummary => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfFn = new Map<string, number>();
  const selfPkg = new Map<string, number>();
  const totalFn = new Map<string, number>();
  const project = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === "(idle)") continue;
    total += us;
    const key = frameKey(node.callFrame);
    selfFn.set(key, (selfFn.get(key) ?? 0) + us);
    const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
    selfPkg.set(pkg, (selfPkg.get(pkg) ?? 0) + us);
    let owner = "(no project code on the stack)";
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur);
      if (frame && isProjectUrl(frame.callFrame.url)) {
        owner = frameKey(frame.callFrame);
        break;
      }
    }
    project.set(owner, (project.get(owner) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur);
      if (!frame) break;
      const k = frameKey(frame.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      totalFn.set(k, (totalFn.get(k) ?? 0) + us);
    }
  }
  return {
    totalMs: total / 1000,
    selfByFunction: ranked(selfFn, total, top),
    selfByPackage: ranked(selfPkg, total, top),
    totalByFunction: ranked(totalFn, total, top),
    byProjectFrame: ranked(project, total, top),
  };
};
