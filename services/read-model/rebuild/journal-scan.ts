import {
  type AttributeValue,
  DescribeTableCommand,
  type DynamoDBClient,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import type { StoredEvent } from "../../event-store/codec.js";
import { eventOfJournalItem } from "../../event-store/journal.js";

export type ScanKey = Record<string, AttributeValue>;

export interface ScanPage {
  readonly segment: number;
  readonly events: readonly StoredEvent[];
  /** Where the next page of this segment starts; undefined when the segment is done. */
  readonly nextKey: ScanKey | undefined;
}

export interface JournalScanOptions {
  readonly client: DynamoDBClient;
  readonly journalTableName: string;
  readonly totalSegments: number;
  /** Items per Scan page (DynamoDB caps a page at 1 MB anyway). */
  readonly pageSize?: number;
}

/**
 * Reads one Scan segment page by page (consistent reads), handing each page to `onPage` and
 * awaiting it before asking for the next. Within a segment, the events of one aggregate come in
 * sequence order (one partition key lives in one segment, sorted by the sort key).
 */
export const scanSegment = async (
  options: JournalScanOptions,
  segment: number,
  startKey: ScanKey | undefined,
  onPage: (page: ScanPage) => Promise<void>,
): Promise<void> => {
  let key = startKey;
  do {
    const out = await options.client.send(
      new ScanCommand({
        TableName: options.journalTableName,
        Segment: segment,
        TotalSegments: options.totalSegments,
        ConsistentRead: true,
        Limit: options.pageSize,
        ExclusiveStartKey: key,
      }),
    );
    const events = (out.Items ?? []).flatMap((item) => eventOfJournalItem(item) ?? []);
    key = out.LastEvaluatedKey;
    await onPage({ segment, events, nextKey: key });
  } while (key);
};

/** DynamoDB's approximate item count (refreshed about every 6 hours on AWS): for the ETA only. */
export const approximateEventCount = async (
  client: DynamoDBClient,
  journalTableName: string,
): Promise<number | undefined> => {
  const out = await client.send(new DescribeTableCommand({ TableName: journalTableName }));
  return out.Table?.ItemCount;
};
