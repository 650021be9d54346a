import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { DynamoDbLeaseStore } from "../leases/dynamodb/dynamodb-lease-store.js";
import { type WorkerId, workerId } from "../leases/lease.js";
import { DynamoDbStreamClient } from "../retrieval/dynamodb-stream-client.js";
import { StreamWorker, type StreamWorkerOptions } from "./stream-worker.js";

export interface DynamoDbStreamWorkerOptions
  extends Omit<StreamWorkerOptions, "workerId" | "client" | "leases"> {
  readonly dynamo: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly leasesTableName: string;
  /** Defaults to host, process id and a random suffix: a restarted process is a new worker. */
  readonly workerId?: WorkerId;
}

export const defaultWorkerId = (): WorkerId =>
  workerId(`${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`);

/** A worker on DynamoDB Streams with its lease table in DynamoDB, started. */
export const startDynamoDbStreamWorker = async (
  options: DynamoDbStreamWorkerOptions,
): Promise<StreamWorker> => {
  const { dynamo, streams, leasesTableName, ...rest } = options;
  const worker = new StreamWorker({
    ...rest,
    workerId: options.workerId ?? defaultWorkerId(),
    client: new DynamoDbStreamClient(streams),
    leases: new DynamoDbLeaseStore(dynamo, leasesTableName),
  });
  await worker.start();
  return worker;
};
