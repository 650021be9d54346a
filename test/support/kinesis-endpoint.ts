import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { text } from "node:stream/consumers";

/**
 * A Kinesis endpoint in front of kinesalite that speaks the real JSON 1.1 protocol, so the real
 * AWS SDK (and our client behind it) meets what the emulator never does: ListShards answered in
 * pages of `MaxResults` with a `NextToken`, `ProvisionedThroughputExceededException` on
 * GetRecords, and `ChildShards` on the last GetRecords of a closed shard (as the service
 * returns them). Everything else goes to kinesalite unchanged.
 */
export interface KinesisEndpoint {
  readonly url: string;
  /** Every request by operation, in order, with its JSON body. */
  readonly calls: Array<{ readonly op: string; readonly body: Record<string, unknown> }>;
  /** The next `times` GetRecords calls answer ProvisionedThroughputExceededException. */
  throttleGetRecords(times: number): void;
  /** Add `ChildShards` at a shard's end (default off, like kinesalite). */
  childShards: boolean;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
type Shard = { ShardId: string; ParentShardId?: string; AdjacentParentShardId?: string };

export const startKinesisEndpoint = async (kinesalite: string): Promise<KinesisEndpoint> => {
  let throttles = 0;
  const calls: KinesisEndpoint["calls"] = [];
  /** Which shard an iterator reads (to name a closed shard's children) and its stream. */
  const iterators = new Map<string, { stream: string; shardId: string }>();

  // kinesalite wants a signature to be present (it checks none): the caller's is passed on.
  let authorization = "";
  const upstream = async (target: string, body: Json) => {
    const res = await fetch(kinesalite, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": target,
        authorization,
        "x-amz-date": new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+/, ""),
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json().catch(() => ({}))) as Json };
  };

  const endpoint: KinesisEndpoint = {
    url: "",
    calls,
    childShards: false,
    throttleGetRecords: (times) => {
      throttles = times;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };

  const answer = async (
    target: string,
    op: string,
    body: Json,
  ): Promise<{ status: number; json: Json }> => {
    if (op === "ListShards") {
      // Pages of MaxResults; the token carries the stream and where the next page starts.
      const token =
        typeof body.NextToken === "string"
          ? JSON.parse(Buffer.from(body.NextToken, "base64url").toString())
          : undefined;
      const stream = (token?.stream ?? body.StreamName) as string;
      const all = await upstream(target, { StreamName: stream });
      if (all.status !== 200) return all;
      const shards = (all.json.Shards ?? []) as Shard[];
      const from = (token?.from as number | undefined) ?? 0;
      const size = Number(body.MaxResults ?? 1000);
      const next =
        from + size < shards.length
          ? Buffer.from(JSON.stringify({ stream, from: from + size })).toString("base64url")
          : undefined;
      return {
        status: 200,
        json: { Shards: shards.slice(from, from + size), ...(next ? { NextToken: next } : {}) },
      };
    }
    if (op === "GetRecords" && throttles > 0) {
      throttles--;
      return {
        status: 400,
        json: {
          __type: "ProvisionedThroughputExceededException",
          message: "Rate exceeded for shard",
        },
      };
    }
    const out = await upstream(target, body);
    if (op === "GetShardIterator" && typeof out.json.ShardIterator === "string")
      iterators.set(out.json.ShardIterator, {
        stream: String(body.StreamName),
        shardId: String(body.ShardId),
      });
    if (op === "GetRecords" && out.status === 200) {
      const of = iterators.get(String(body.ShardIterator));
      const next = out.json.NextShardIterator;
      if (of && typeof next === "string") iterators.set(next, of);
      if (of && next === undefined && endpoint.childShards) {
        const listed = await upstream(target.replace("GetRecords", "ListShards"), {
          StreamName: of.stream,
        });
        const children = ((listed.json.Shards ?? []) as Shard[]).filter(
          (s) => s.ParentShardId === of.shardId || s.AdjacentParentShardId === of.shardId,
        );
        out.json.ChildShards = children.map((c) => ({
          ShardId: c.ShardId,
          ParentShards: [c.ParentShardId, c.AdjacentParentShardId].filter((p) => p !== undefined),
          HashKeyRange: (c as Json).HashKeyRange,
        }));
      }
    }
    return out;
  };

  const server = createServer(async (req, res) => {
    const target = String(req.headers["x-amz-target"] ?? "");
    const op = target.split(".")[1] ?? "";
    const body = JSON.parse((await text(req)) || "{}") as Json;
    authorization = String(req.headers.authorization ?? "");
    calls.push({ op, body });
    try {
      const { status, json } = await answer(target, op, body);
      res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify(json));
    } catch (e) {
      res.writeHead(500, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ __type: "InternalFailure", message: String(e) }));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(endpoint, { url: `http://127.0.0.1:${port}` });
};
