import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { err, ok } from "neverthrow";
import { type Checkpoint, SHARD_END } from "../checkpoint.js";
import type { Lease, WorkerId } from "../lease.js";
import type { LeaseStore, LeaseWrite } from "../lease-store.js";
import { fromItem, leaseKeyName, toItem } from "./lease-item.js";

type Update = Pick<
  UpdateItemCommandInput,
  "UpdateExpression" | "ExpressionAttributeValues" | "ExpressionAttributeNames"
>;

/** The lease table on DynamoDB: conditional UpdateItem on the observed counter for every write. */
export class DynamoDbLeaseStore implements LeaseStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async list(): Promise<Lease[]> {
    const leases: Lease[] = [];
    let start: Record<string, import("@aws-sdk/client-dynamodb").AttributeValue> | undefined;
    do {
      const out = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) leases.push(fromItem(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return leases;
  }

  async get(leaseKey: string): Promise<Lease | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { [leaseKeyName]: { S: leaseKey } },
        ConsistentRead: true,
      }),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async create(lease: Lease): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem(lease),
          ConditionExpression: "attribute_not_exists(#k)",
          ExpressionAttributeNames: { "#k": leaseKeyName },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  take(observed: Lease, owner: WorkerId, concurrencyToken: string): LeaseWrite {
    const switched = observed.leaseOwner !== owner;
    return this.write(
      observed,
      false,
      {
        UpdateExpression:
          "SET leaseOwner = :owner, concurrencyToken = :token ADD leaseCounter :one, ownerSwitchesSinceCheckpoint :switch",
        ExpressionAttributeValues: {
          ":owner": { S: owner },
          ":token": { S: concurrencyToken },
          ":switch": { N: switched ? "1" : "0" },
        },
      },
      // The token is fresh: only this take can have written it.
      (after) => after.leaseOwner === owner && after.concurrencyToken === concurrencyToken,
    );
  }

  renew(held: Lease, signal?: AbortSignal): LeaseWrite {
    return this.write(
      held,
      true,
      { UpdateExpression: "ADD leaseCounter :one" },
      (after) => stillHeld(held, after),
      signal,
    );
  }

  checkpoint(held: Lease, checkpoint: Checkpoint): LeaseWrite {
    return this.write(
      held,
      true,
      {
        UpdateExpression:
          "SET checkpoint = :c, ownerSwitchesSinceCheckpoint = :zero ADD leaseCounter :one",
        ExpressionAttributeValues: { ":c": { S: checkpoint }, ":zero": { N: "0" } },
      },
      (after) => stillHeld(held, after) && after.checkpoint === checkpoint,
    );
  }

  finish(held: Lease, childShardIds: readonly string[]): LeaseWrite {
    const children = childShardIds.length > 0;
    return this.write(
      held,
      true,
      {
        UpdateExpression: `SET checkpoint = :c, ownerSwitchesSinceCheckpoint = :zero${children ? ", childShardIds = :children" : ""} REMOVE leaseOwner, concurrencyToken ADD leaseCounter :one`,
        ExpressionAttributeValues: {
          ":c": { S: SHARD_END },
          ":zero": { N: "0" },
          ...(children ? { ":children": { SS: [...childShardIds] } } : {}),
        },
      },
      (after) => after.leaseOwner === undefined && after.checkpoint === SHARD_END,
    );
  }

  release(held: Lease): LeaseWrite {
    return this.write(
      held,
      true,
      { UpdateExpression: "REMOVE leaseOwner, concurrencyToken ADD leaseCounter :one" },
      // Only the holder may clear the owner at the observed counter: a cleared owner one
      // count later is this release.
      (after) => after.leaseOwner === undefined,
    );
  }

  async delete(leaseKey: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { [leaseKeyName]: { S: leaseKey } },
          ConditionExpression: "checkpoint = :end",
          ExpressionAttributeValues: { ":end": { S: SHARD_END } },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  /**
   * One conditional update on the observed counter (and owner + token for a holder). The SDK
   * retries a write whose response was lost; if its first attempt committed, the retry fails the
   * condition. So a failed condition re-reads the lease: exactly one count later and showing
   * what this write sets (`committed`) means it was ours, and it succeeded.
   */
  private async write(
    observed: Lease,
    asHolder: boolean,
    update: Update,
    committed: (after: Lease) => boolean,
    signal?: AbortSignal,
  ): LeaseWrite {
    const holder = asHolder && observed.leaseOwner !== undefined;
    const condition = [
      "attribute_exists(#k)",
      "leaseCounter = :counter",
      ...(holder ? ["leaseOwner = :holder", "concurrencyToken = :holderToken"] : []),
    ].join(" AND ");
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [leaseKeyName]: { S: observed.leaseKey } },
          ConditionExpression: condition,
          UpdateExpression: update.UpdateExpression,
          ExpressionAttributeNames: { "#k": leaseKeyName, ...update.ExpressionAttributeNames },
          ExpressionAttributeValues: {
            ":counter": { N: String(observed.leaseCounter) },
            ":one": { N: "1" },
            ...(holder
              ? {
                  ":holder": { S: observed.leaseOwner ?? "" },
                  ":holderToken": { S: observed.concurrencyToken ?? "" },
                }
              : {}),
            ...update.ExpressionAttributeValues,
          },
          ReturnValues: "ALL_NEW",
        }),
        // No options object without a signal: any options make the client skip (and drop) its
        // cached middleware chain (`cacheMiddleware`, services/config/aws-clients.ts).
        signal ? { abortSignal: signal } : undefined,
      );
      if (!out.Attributes) throw new Error(`lease ${observed.leaseKey}: update returned nothing`);
      return ok(fromItem(out.Attributes));
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      const after = await this.get(observed.leaseKey);
      if (after && after.leaseCounter === observed.leaseCounter + 1 && committed(after))
        return ok(after);
      return err({ reason: "LEASE_CONFLICT", leaseKey: observed.leaseKey });
    }
  }
}

const stillHeld = (held: Lease, after: Lease): boolean =>
  after.leaseOwner === held.leaseOwner && after.concurrencyToken === held.concurrencyToken;
