import type {
  IteratorPosition,
  RecordsPage,
  ShardDescription,
  StreamClient,
} from "../../services/streams/retrieval/stream-client.js";

type Method = "listShards" | "getShardIterator" | "getRecords";

/**
 * A StreamClient in front of another that fails chosen calls: each method takes errors from its
 * queue, one per call, before passing calls through (`always` fails every call). Every call
 * yields to the event loop first, so a consumer that never sleeps still lets the test run.
 */
export class FaultyStream implements StreamClient {
  readonly calls: Record<Method, number> = { listShards: 0, getShardIterator: 0, getRecords: 0 };
  private readonly queues: Record<Method, Error[]> = {
    listShards: [],
    getShardIterator: [],
    getRecords: [],
  };
  private readonly always = new Map<Method, () => Error>();

  constructor(private readonly inner: StreamClient) {}

  /** The next calls of `method` fail with these errors, in order. */
  failNext(method: Method, ...errors: Error[]): this {
    this.queues[method].push(...errors);
    return this;
  }

  /** Every call of `method` fails (until `heal`). */
  failAlways(method: Method, error: () => Error): this {
    this.always.set(method, error);
    return this;
  }

  heal(method: Method): void {
    this.always.delete(method);
  }

  private async enter(method: Method): Promise<void> {
    this.calls[method]++;
    await new Promise((r) => setImmediate(r));
    const always = this.always.get(method);
    if (always) throw always();
    const next = this.queues[method].shift();
    if (next) throw next;
  }

  async listShards(streamArn: string): Promise<readonly ShardDescription[]> {
    await this.enter("listShards");
    return this.inner.listShards(streamArn);
  }

  async getShardIterator(
    streamArn: string,
    shardId: string,
    position: IteratorPosition,
  ): Promise<string> {
    await this.enter("getShardIterator");
    return this.inner.getShardIterator(streamArn, shardId, position);
  }

  async getRecords(iterator: string, limit: number): Promise<RecordsPage> {
    await this.enter("getRecords");
    return this.inner.getRecords(iterator, limit);
  }
}
