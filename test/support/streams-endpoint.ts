import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { text } from "node:stream/consumers";
import type { Shard } from "@aws-sdk/client-dynamodb-streams";

/**
 * A simulated DynamoDB Streams endpoint that answers `DescribeStream` only, over the real JSON
 * protocol, so the real AWS SDK (and our client behind it) can be driven through shard listings
 * DynamoDB Local cannot produce (it has one shard per stream; DescribeStream pages hold ≤ 100).
 */

const TARGET = "DynamoDBStreams_20120810.DescribeStream";
const CONTENT_TYPE = "application/x-amz-json-1.0";
/** The service maximum for DescribeStream's Limit. */
const MAX_PAGE = 100;

export interface DescribeStreamCall {
  readonly streamArn: string | undefined;
  readonly exclusiveStartShardId: string | undefined;
  readonly limit: number | undefined;
  /** What the endpoint answered: a page, or an error type. */
  answer?:
    | { readonly shards: number; readonly lastEvaluatedShardId: string | undefined }
    | { readonly error: string };
}

/** The next `times` requests starting after `afterShardId` are answered with this error. */
export interface Fault {
  readonly afterShardId: string | undefined;
  readonly errorType: string;
  times: number;
}

export interface DescribeStreamEndpoint {
  readonly url: string;
  /** Every DescribeStream request received, failed ones included, in order. */
  readonly calls: DescribeStreamCall[];
  fail(fault: Omit<Fault, "times"> & { readonly times?: number }): void;
  close(): Promise<void>;
}

const sendJson = (res: ServerResponse, status: number, body: unknown, errorType?: string): void => {
  res.writeHead(status, {
    "content-type": CONTENT_TYPE,
    ...(errorType ? { "x-amzn-errortype": errorType } : {}),
  });
  res.end(JSON.stringify(body));
};

const sendError = (
  res: ServerResponse,
  errorType: string,
  message: string,
  call?: DescribeStreamCall,
): void => {
  if (call) call.answer = { error: errorType };
  sendJson(
    res,
    400,
    { __type: `com.amazonaws.dynamodb.v20120810#${errorType}`, message },
    errorType,
  );
};

/**
 * Pages like the service may: a full page carries LastEvaluatedShardId even when nothing
 * follows (the documented contract is only "absent means done"), so a listing whose size is a
 * multiple of the page ends with an empty page.
 */
const page = (shards: readonly Shard[], call: DescribeStreamCall) => {
  const from =
    call.exclusiveStartShardId === undefined
      ? 0
      : shards.findIndex((s) => s.ShardId === call.exclusiveStartShardId) + 1;
  const size = Math.min(call.limit ?? MAX_PAGE, MAX_PAGE);
  const items = shards.slice(from, from + size);
  const last = items.at(-1)?.ShardId;
  return { items, lastEvaluated: items.length === size ? last : undefined };
};

/** Starts the endpoint on 127.0.0.1 (random port) serving `shards` for `streamArn`. */
export const startDescribeStreamEndpoint = async (
  streamArn: string,
  shards: readonly Shard[],
): Promise<DescribeStreamEndpoint> => {
  const calls: DescribeStreamCall[] = [];
  const faults: Fault[] = [];
  const known = new Set(shards.map((s) => s.ShardId));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await text(req);
    if (req.method !== "POST" || req.headers["x-amz-target"] !== TARGET)
      return sendError(
        res,
        "UnknownOperationException",
        `not served: ${req.headers["x-amz-target"]}`,
      );
    if (req.headers["content-type"] !== CONTENT_TYPE)
      return sendError(
        res,
        "SerializationException",
        `content-type ${req.headers["content-type"]}`,
      );
    const input = JSON.parse(body) as {
      StreamArn?: string;
      ExclusiveStartShardId?: string;
      Limit?: number;
    };
    const call: DescribeStreamCall = {
      streamArn: input.StreamArn,
      exclusiveStartShardId: input.ExclusiveStartShardId,
      limit: input.Limit,
    };
    calls.push(call);
    const fault = faults.find((f) => f.times > 0 && f.afterShardId === call.exclusiveStartShardId);
    if (fault) {
      fault.times -= 1;
      return sendError(res, fault.errorType, "Rate exceeded", call);
    }
    if (call.streamArn !== streamArn)
      return sendError(
        res,
        "ResourceNotFoundException",
        `Requested resource not found: ${call.streamArn}`,
        call,
      );
    if (call.exclusiveStartShardId !== undefined && !known.has(call.exclusiveStartShardId))
      return sendError(
        res,
        "ValidationException",
        `unknown shard ${call.exclusiveStartShardId}`,
        call,
      );
    const { items, lastEvaluated } = page(shards, call);
    call.answer = { shards: items.length, lastEvaluatedShardId: lastEvaluated };
    sendJson(res, 200, {
      StreamDescription: {
        StreamArn: streamArn,
        StreamLabel: streamArn.split("/").at(-1),
        StreamStatus: "ENABLED",
        StreamViewType: "NEW_IMAGE",
        Shards: items,
        ...(lastEvaluated ? { LastEvaluatedShardId: lastEvaluated } : {}),
      },
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => sendError(res, "InternalServerError", String(e)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    fail: (f) => faults.push({ ...f, times: f.times ?? 1 }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
};
