import { createHash } from "node:crypto";
import type { Clock } from "../../services/clock/clock.js";
import {
  type IteratorPosition,
  type RecordsPage,
  type ShardDescription,
  type StreamClient,
  StreamReadError,
  type StreamRecord,
} from "../../services/streams/retrieval/stream-client.js";

interface SimShard {
  readonly shardId: string;
  readonly parentShardId?: string;
  /** Hash range [lo, hi) of the keys this shard receives while open. */
  readonly lo: number;
  readonly hi: number;
  readonly records: StreamRecord[];
  closed: boolean;
  /** Listings left in which the closed shard is still shown open (as DynamoDB Streams does). */
  shownOpenListings: number;
  /** Reads at the end left before a closed shard reports its end (it seals late). */
  unsealedReads: number;
  /** Records before this index are past retention (trimmed). */
  trimmed: number;
}

interface SimIterator {
  readonly shardId: string;
  readonly index: number;
}

export interface SimulatedStreamOptions {
  /** Every n-th GetRecords is throttled (0: never). */
  readonly throttleEvery?: number;
  /** Every n-th GetRecords finds its iterator expired (0: never). */
  readonly expireEvery?: number;
  /** After a split, the parent is listed as open for this many more listings. */
  readonly parentShownOpenListings?: number;
  /** After a split, reading the parent's end returns empty pages this many times first. */
  readonly parentUnsealedReads?: number;
  /** Stamps each record's approximateCreationTime (default: time 0). */
  readonly clock?: Clock;
}

const HASH_SPACE = 2 ** 32;
const hashOf = (key: string): number => createHash("md5").update(key).digest().readUInt32BE(0);

/**
 * A deterministic in-memory stream behind the StreamClient port, for situations DynamoDB Local
 * cannot produce: many shards, splits, parents listed open while their children exist,
 * throttling and iterator expiry. A key's records always go to the one open shard whose hash
 * range holds it, so per-key order survives splits through the lineage.
 */
export class SimulatedStream implements StreamClient {
  private readonly shards = new Map<string, SimShard>();
  private readonly iterators = new Map<string, SimIterator>();
  private sequence = 0;
  private nextShard = 0;
  private nextIterator = 0;
  private reads = 0;
  readonly stats = { throttled: 0, expired: 0, listings: 0 };

  constructor(
    readonly streamArn: string,
    rootShards: number,
    private readonly options: SimulatedStreamOptions = {},
  ) {
    const width = HASH_SPACE / rootShards;
    for (let i = 0; i < rootShards; i++)
      this.addShard(undefined, Math.floor(i * width), Math.floor((i + 1) * width));
  }

  /** The open shard that receives `key`'s records now. */
  shardOf(key: string): string | undefined {
    return this.openShardOf(key)?.shardId;
  }

  private openShardOf(key: string): SimShard | undefined {
    const h = hashOf(key);
    return [...this.shards.values()].find((s) => !s.closed && h >= s.lo && h < s.hi);
  }

  /**
   * Appends a record for `key` to the open shard owning its hash; returns its sequence number.
   * `newImage`: the item as written (a journal row, for handlers that decode it).
   */
  put(key: string, version: number, newImage?: StreamRecord["newImage"]): string {
    const shard = this.openShardOf(key);
    if (!shard) throw new Error(`no open shard for ${key}`);
    const sequenceNumber = String(++this.sequence).padStart(21, "0");
    shard.records.push({
      sequenceNumber,
      approximateCreationTime: new Date(this.options.clock?.now() ?? 0),
      keys: { aggregateId: { S: key }, sequenceNumber: { N: String(version) } },
      ...(newImage ? { newImage } : {}),
    });
    return sequenceNumber;
  }

  /** Closes an open shard and opens two children, each with half of its hash range. */
  split(shardId: string): [string, string] {
    const parent = this.shards.get(shardId);
    if (!parent || parent.closed) throw new Error(`cannot split ${shardId}`);
    parent.closed = true;
    parent.shownOpenListings = this.options.parentShownOpenListings ?? 0;
    parent.unsealedReads = this.options.parentUnsealedReads ?? 0;
    const mid = Math.floor((parent.lo + parent.hi) / 2);
    return [this.addShard(shardId, parent.lo, mid), this.addShard(shardId, mid, parent.hi)];
  }

  /** Drops the oldest `count` records of a shard, as the 24-hour retention does. */
  trim(shardId: string, count: number): void {
    const shard = this.shards.get(shardId);
    if (!shard) throw new Error(`no shard ${shardId}`);
    shard.trimmed = Math.min(shard.records.length, shard.trimmed + count);
  }

  /** Removes a shard altogether, as retention does 24 h after it closed: no longer listed or readable. */
  expire(shardId: string): void {
    if (!this.shards.get(shardId)?.closed)
      throw new Error(`only a closed shard expires: ${shardId}`);
    this.shards.delete(shardId);
  }

  openShardIds(): string[] {
    return [...this.shards.values()].filter((s) => !s.closed).map((s) => s.shardId);
  }

  allShardIds(): string[] {
    return [...this.shards.keys()];
  }

  async listShards(streamArn: string): Promise<readonly ShardDescription[]> {
    this.checkArn(streamArn);
    this.stats.listings++;
    return [...this.shards.values()].map((s) => {
      const shownOpen = !s.closed || s.shownOpenListings > 0;
      if (s.closed && s.shownOpenListings > 0) s.shownOpenListings--;
      const last = s.records.at(-1)?.sequenceNumber;
      return {
        shardId: s.shardId,
        ...(s.parentShardId !== undefined ? { parentShardId: s.parentShardId } : {}),
        ...(!shownOpen ? { endingSequenceNumber: last ?? "0" } : {}),
      };
    });
  }

  async getShardIterator(
    streamArn: string,
    shardId: string,
    position: IteratorPosition,
  ): Promise<string> {
    this.checkArn(streamArn);
    const shard = this.shards.get(shardId);
    if (!shard) throw new StreamReadError("ResourceNotFound", `no shard ${shardId}`);
    let index = shard.trimmed;
    if (position.type === "AFTER_SEQUENCE_NUMBER" || position.type === "AT_SEQUENCE_NUMBER") {
      const at = shard.records.findIndex((r) => r.sequenceNumber === position.sequenceNumber);
      if (at < 0) throw new Error(`sequence number ${position.sequenceNumber} not in ${shardId}`);
      index = position.type === "AFTER_SEQUENCE_NUMBER" ? at + 1 : at;
      if (index < shard.trimmed) throw new StreamReadError("TrimmedDataAccess", "trimmed");
    } else if (position.type === "LATEST") index = shard.records.length;
    return this.issue({ shardId, index });
  }

  async getRecords(iterator: string, limit: number): Promise<RecordsPage> {
    const it = this.iterators.get(iterator);
    if (!it) throw new StreamReadError("ExpiredIterator", "unknown or used iterator");
    this.reads++;
    const { throttleEvery = 0, expireEvery = 0 } = this.options;
    if (throttleEvery > 0 && this.reads % throttleEvery === 0) {
      this.stats.throttled++;
      throw new StreamReadError("Throttled", "simulated throttling");
    }
    this.iterators.delete(iterator);
    if (expireEvery > 0 && this.reads % expireEvery === 0) {
      this.stats.expired++;
      throw new StreamReadError("ExpiredIterator", "simulated iterator expiry");
    }
    const shard = this.shards.get(it.shardId);
    if (!shard) throw new StreamReadError("ResourceNotFound", `no shard ${it.shardId}`);
    if (it.index < shard.trimmed) throw new StreamReadError("TrimmedDataAccess", "trimmed");
    const records = shard.records.slice(it.index, it.index + Math.min(limit, 1000));
    const index = it.index + records.length;
    const atEnd = shard.closed && index >= shard.records.length;
    if (atEnd && shard.unsealedReads > 0) shard.unsealedReads--;
    else if (atEnd) return { records };
    return { records, nextIterator: this.issue({ shardId: it.shardId, index }) };
  }

  private issue(it: SimIterator): string {
    const id = `it-${++this.nextIterator}`;
    this.iterators.set(id, it);
    return id;
  }

  private addShard(parentShardId: string | undefined, lo: number, hi: number): string {
    const shardId = `shardId-${String(++this.nextShard).padStart(8, "0")}`;
    this.shards.set(shardId, {
      shardId,
      ...(parentShardId !== undefined ? { parentShardId } : {}),
      lo,
      hi,
      records: [],
      closed: false,
      shownOpenListings: 0,
      unsealedReads: 0,
      trimmed: 0,
    });
    return shardId;
  }

  private checkArn(streamArn: string): void {
    if (streamArn !== this.streamArn)
      throw new StreamReadError("ResourceNotFound", `no stream ${streamArn}`);
  }
}
