import type { StreamRecord } from "../streams/retrieval/stream-client.js";
import { journalTable } from "../tables/definitions.js";

/** The journal's aggregate: order is kept (and parking happens) per aggregate id. */
export const journalAggregateKey = (record: StreamRecord): string =>
  record.keys[journalTable.partitionKey.name]?.S ?? "__unkeyed__";

/** The event's version within its aggregate, zero-padded so positions sort as strings. */
export const journalPosition = (record: StreamRecord): string =>
  (record.keys[journalTable.sortKey.name]?.N ?? record.sequenceNumber).padStart(20, "0");
