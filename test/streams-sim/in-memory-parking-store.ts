import type {
  BlockedAggregate,
  ParkedRecord,
  ParkingStore,
} from "../../services/streams/parking/parking-store.js";

/** A ParkingStore in memory, for unit and model tests (test/contracts/parking-store.ts holds it to the DynamoDB one's contract). */
export class InMemoryParkingStore implements ParkingStore {
  private readonly blocks = new Map<string, BlockedAggregate>();
  private readonly records = new Map<string, Map<string, ParkedRecord>>();

  async blockedAmong(aggregateKeys: readonly string[]): Promise<ReadonlySet<string>> {
    return new Set(aggregateKeys.filter((k) => this.blocks.has(k)));
  }

  async park(parked: ParkedRecord): Promise<void> {
    if (this.records.get(parked.aggregateKey)?.has(parked.position)) return;
    const block = this.blocks.get(parked.aggregateKey);
    this.blocks.set(parked.aggregateKey, {
      aggregateKey: parked.aggregateKey,
      version: (block?.version ?? 0) + 1,
      firstParkedAt: block?.firstParkedAt ?? parked.parkedAt,
      lastParkedAt: parked.parkedAt,
    });
    const of = this.records.get(parked.aggregateKey) ?? new Map<string, ParkedRecord>();
    of.set(parked.position, parked);
    this.records.set(parked.aggregateKey, of);
  }

  async listBlocked(): Promise<readonly BlockedAggregate[]> {
    return [...this.blocks.values()];
  }

  async parkedOf(aggregateKey: string) {
    const block = this.blocks.get(aggregateKey);
    const records = [...(this.records.get(aggregateKey)?.values() ?? [])].sort((a, b) =>
      a.position < b.position ? -1 : a.position > b.position ? 1 : 0,
    );
    return block ? { block, records } : { records };
  }

  async remove(aggregateKey: string, positions: readonly string[]): Promise<void> {
    for (const p of positions) this.records.get(aggregateKey)?.delete(p);
  }

  async unblock(aggregateKey: string, version: number): Promise<boolean> {
    if (this.blocks.get(aggregateKey)?.version !== version) return false;
    this.blocks.delete(aggregateKey);
    return true;
  }
}
