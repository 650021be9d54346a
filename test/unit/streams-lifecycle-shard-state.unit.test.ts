import { describe, expect, it } from "vitest";
import {
  consumerConfigDefaults,
  resolveConsumerConfig,
} from "../../services/streams/coordinator/config.js";
import { isSequenceNumber, iteratorPositionOf } from "../../services/streams/leases/checkpoint.js";
import {
  isTerminal,
  type ShardEvent,
  type ShardState,
  transition,
} from "../../services/streams/lifecycle/shard-state.js";

const run = (events: ShardEvent[], from: ShardState = "WAITING_ON_PARENTS") =>
  events.reduce<ShardState | undefined>((s, e) => (s ? transition(s, e) : undefined), from);

describe("shard consumer state table", () => {
  it("goes from waiting on parents through processing to FINISHED at SHARD_END", () => {
    expect(
      run([
        "PARENTS_FINISHED",
        "ITERATOR_OPENED",
        "ITERATOR_EXPIRED",
        "ITERATOR_OPENED",
        "SHARD_END_REACHED",
        "SHARD_END_CHECKPOINTED",
      ]),
    ).toBe("FINISHED");
  });

  it("cannot finish a shard without reaching its end first", () => {
    expect(run(["PARENTS_FINISHED", "ITERATOR_OPENED", "SHARD_END_CHECKPOINTED"])).toBeUndefined();
  });

  it("stops in TRIMMED (no silent skip) until a policy resumes it", () => {
    expect(run(["PARENTS_FINISHED", "ITERATOR_OPENED", "TRIMMED"])).toBe("TRIMMED");
    expect(run(["TRIMMED", "ITERATOR_OPENED"], "PROCESSING")).toBeUndefined();
    expect(run(["TRIMMED", "RESUMED", "ITERATOR_OPENED"], "PROCESSING")).toBe("PROCESSING");
  });

  it("releases on shutdown from every live state", () => {
    for (const s of ["WAITING_ON_PARENTS", "INITIALIZING", "PROCESSING", "TRIMMED"] as const)
      expect(run(["SHUTDOWN_REQUESTED", "RELEASED"], s)).toBe("SHUT_DOWN");
  });

  it("ends in LEASE_LOST from every live state, and terminal states accept nothing", () => {
    for (const s of ["WAITING_ON_PARENTS", "INITIALIZING", "PROCESSING", "SHARD_ENDING"] as const)
      expect(transition(s, "LEASE_LOST")).toBe("LEASE_LOST");
    for (const s of ["FINISHED", "LEASE_LOST", "SHUT_DOWN"] as const) {
      expect(isTerminal(s)).toBe(true);
      expect(transition(s, "SHUTDOWN_REQUESTED")).toBeUndefined();
    }
  });
});

describe("checkpoints", () => {
  it("resumes after a sequence number, at TRIM_HORIZON for a new lease, nowhere at SHARD_END", () => {
    expect(iteratorPositionOf("000000000000000000042")).toEqual({
      type: "AFTER_SEQUENCE_NUMBER",
      sequenceNumber: "000000000000000000042",
    });
    expect(iteratorPositionOf("TRIM_HORIZON")).toEqual({ type: "TRIM_HORIZON" });
    expect(iteratorPositionOf("SHARD_END")).toBeUndefined();
    expect(isSequenceNumber("SHARD_END")).toBe(false);
  });
});

describe("consumer configuration", () => {
  it("derives renew and take intervals from the failover time", () => {
    const c = resolveConsumerConfig();
    expect(c.failoverMs).toBe(10_000);
    expect(c.renewIntervalMs).toBe(3_333);
    expect(c.takeIntervalMs).toBe(2_000);
    expect(c.takeIntervalMs).toBeLessThan(c.renewIntervalMs);
    expect(c.idlePollMs).toBeLessThanOrEqual(250);
    expect(consumerConfigDefaults.batchSize).toBe(1000);
    expect(resolveConsumerConfig({ failoverMs: 900 }).renewIntervalMs).toBe(300);
  });

  it("rejects settings that break the lease protocol, listing each", () => {
    expect(() =>
      resolveConsumerConfig({ failoverMs: 1000, renewIntervalMs: 800, batchSize: 5000 }),
    ).toThrow(/renewIntervalMs.*batchSize/s);
  });
});
