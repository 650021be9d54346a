import { isFinished, type Lease, parentsFinished, type WorkerId } from "./lease.js";

/**
 * What this worker saw of one lease: the counter and the local time at which it first saw that
 * counter value. Expiry is judged from this alone, never from another machine's clock.
 */
export interface Observation {
  readonly leaseCounter: number;
  /** Local time the counter was first seen at this value; -Infinity when first seen free. */
  readonly since: number;
}

export type Observations = ReadonlyMap<string, Observation>;

/**
 * Folds one scan into the observations. A counter that did not move keeps its old time; a
 * changed one (or a lease first seen with an owner) gets `now`; a lease first seen free is
 * available at once.
 */
export const observe = (previous: Observations, leases: readonly Lease[], now: number) =>
  new Map(
    leases.map((l): [string, Observation] => {
      const before = previous.get(l.leaseKey);
      if (before && before.leaseCounter === l.leaseCounter) return [l.leaseKey, before];
      const since = !before && l.leaseOwner === undefined ? Number.NEGATIVE_INFINITY : now;
      return [l.leaseKey, { leaseCounter: l.leaseCounter, since }];
    }),
  );

/** Expired: free, or its counter has not moved for longer than the failover time. */
export const isExpired = (
  lease: Lease,
  observation: Observation | undefined,
  failoverMs: number,
  now: number,
): boolean =>
  lease.leaseOwner === undefined ||
  (observation !== undefined && now - observation.since > failoverMs);

export interface TakingPolicy {
  readonly failoverMs: number;
  /** Upper bound of leases stolen in one cycle (KCL: maxLeasesToStealAtOneTime). */
  readonly maxLeasesToStealAtOnce: number;
  /** Leases untouched for this many failover times are taken before any other. */
  readonly veryOldFactor: number;
  /** Most leases this worker holds, whatever its share (KCL: maxLeasesForWorker); default unlimited. */
  readonly maxLeasesForWorker?: number;
}

export interface TakingInput {
  readonly me: WorkerId;
  /** Leases this worker holds right now (its renewer's view, not the table's). */
  readonly held: ReadonlySet<string>;
  readonly leases: readonly Lease[];
  readonly observations: Observations;
  readonly now: number;
  readonly policy: TakingPolicy;
  /** Random numbers in [0, 1) for tie-breaking; injected so tests are deterministic. */
  readonly random: () => number;
}

export interface TakingPlan {
  /** Expired or free leases to take, oldest first. */
  readonly take: readonly Lease[];
  /** Live leases to steal from the most loaded worker (only when nothing is free). */
  readonly steal: readonly Lease[];
  readonly target: number;
  readonly workers: number;
}

const shuffle = <T>(items: readonly T[], random: () => number): T[] => {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

/**
 * Pure KCL-style decision. Only workable leases count: unfinished, with every parent finished.
 * Target = ceil(workable / live workers), live workers = distinct owners of unexpired leases
 * plus this one. Take up to target − held (never past maxLeasesForWorker), very old leases
 * first; if nothing can be taken, steal from the single most loaded worker, bounded per cycle.
 * Resulting balance: ±1.
 */
export const planLeaseTaking = (input: TakingInput): TakingPlan => {
  const { me, held, leases, observations, now, policy, random } = input;
  const byKey = new Map(leases.map((l) => [l.leaseKey, l]));
  const workable = leases.filter((l) => !isFinished(l) && parentsFinished(l, (k) => byKey.get(k)));
  const expired = (l: Lease) => isExpired(l, observations.get(l.leaseKey), policy.failoverMs, now);
  const live = workable.filter((l) => l.leaseOwner !== undefined && !expired(l));
  const owners = new Set(live.map((l) => l.leaseOwner));
  owners.add(me);
  const workers = owners.size;
  const target = workable.length === 0 ? 0 : Math.ceil(workable.length / workers);
  const mine = workable.filter((l) => held.has(l.leaseKey)).length;
  // Above the cap the rest spills over to other workers (KCL's LeaseSpillover).
  const needed = Math.min(target, policy.maxLeasesForWorker ?? Number.POSITIVE_INFINITY) - mine;
  const none = { take: [], steal: [], target, workers };
  if (needed <= 0) return none;

  // Our own leases that the renewer does not hold (a lost reply to a take) are free to retake.
  const available = workable.filter(
    (l) => !held.has(l.leaseKey) && (expired(l) || l.leaseOwner === me),
  );
  if (available.length > 0) {
    const age = (l: Lease) => now - (observations.get(l.leaseKey)?.since ?? now);
    const veryOld = policy.failoverMs * policy.veryOldFactor;
    const ordered = [
      ...shuffle(
        available.filter((l) => age(l) > veryOld),
        random,
      ),
      ...shuffle(
        available.filter((l) => age(l) <= veryOld),
        random,
      ),
    ];
    return { ...none, take: ordered.slice(0, needed) };
  }
  return { ...none, steal: planSteal(live, me, target, needed, policy, random) };
};

const planSteal = (
  live: readonly Lease[],
  me: WorkerId,
  target: number,
  needed: number,
  policy: TakingPolicy,
  random: () => number,
): Lease[] => {
  const byOwner = new Map<string, Lease[]>();
  for (const l of live) {
    if (l.leaseOwner === undefined || l.leaseOwner === me) continue;
    byOwner.set(l.leaseOwner, [...(byOwner.get(l.leaseOwner) ?? []), l]);
  }
  const loads = shuffle([...byOwner.values()], random).sort((a, b) => b.length - a.length);
  const most = loads[0];
  if (!most) return [];
  // Above target: take its excess. At target: only if we are two or more short (±1 balance).
  const excess = most.length > target ? most.length - target : needed > 1 ? 1 : 0;
  const count = Math.min(needed, excess, policy.maxLeasesToStealAtOnce);
  return shuffle(most, random).slice(0, count);
};

/**
 * When the next scan should run so that a lease whose counter stopped moving is taken as soon
 * as it expires, rather than up to one take interval later.
 */
export const nextScanAt = (
  leases: readonly Lease[],
  observations: Observations,
  me: WorkerId,
  now: number,
  failoverMs: number,
  takeIntervalMs: number,
): number => {
  let at = now + takeIntervalMs;
  for (const l of leases) {
    if (l.leaseOwner === undefined || l.leaseOwner === me || isFinished(l)) continue;
    const since = observations.get(l.leaseKey)?.since;
    if (since !== undefined && since + failoverMs + 1 > now)
      at = Math.min(at, since + failoverMs + 1);
  }
  return at;
};
