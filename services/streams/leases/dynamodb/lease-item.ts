import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { leasesTable } from "../../../tables/definitions.js";
import { type Lease, workerId } from "../lease.js";

type Item = Record<string, AttributeValue>;

export const leaseKeyName = leasesTable.partitionKey.name;

// DynamoDB rejects empty sets: an empty list of shard ids is stored as an absent attribute.
const stringSet = (values: readonly string[]): AttributeValue | undefined =>
  values.length > 0 ? { SS: [...values] } : undefined;

/** Lease → lease table item (attribute names as KCL's, plus concurrencyToken). */
export const toItem = (l: Lease): Item => {
  const item: Item = {
    [leaseKeyName]: { S: l.leaseKey },
    leaseCounter: { N: String(l.leaseCounter) },
    checkpoint: { S: l.checkpoint },
    ownerSwitchesSinceCheckpoint: { N: String(l.ownerSwitchesSinceCheckpoint) },
  };
  const parents = stringSet(l.parentShardIds);
  if (parents) item.parentShardIds = parents;
  const children = stringSet(l.childShardIds);
  if (children) item.childShardIds = children;
  if (l.leaseOwner !== undefined) item.leaseOwner = { S: l.leaseOwner };
  if (l.concurrencyToken !== undefined) item.concurrencyToken = { S: l.concurrencyToken };
  return item;
};

export const fromItem = (item: Item): Lease => {
  const key = item[leaseKeyName]?.S;
  if (key === undefined) throw new Error(`lease item without ${leaseKeyName}`);
  const owner = item.leaseOwner?.S;
  const token = item.concurrencyToken?.S;
  return {
    leaseKey: key,
    ...(owner !== undefined ? { leaseOwner: workerId(owner) } : {}),
    leaseCounter: Number(item.leaseCounter?.N ?? "0"),
    checkpoint: item.checkpoint?.S ?? "TRIM_HORIZON",
    parentShardIds: [...(item.parentShardIds?.SS ?? [])].sort(),
    childShardIds: [...(item.childShardIds?.SS ?? [])].sort(),
    ownerSwitchesSinceCheckpoint: Number(item.ownerSwitchesSinceCheckpoint?.N ?? "0"),
    ...(token !== undefined ? { concurrencyToken: token } : {}),
  };
};
