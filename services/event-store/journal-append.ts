import {
  type CancellationReason,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  type Put,
  PutItemCommand,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import { errAsync, okAsync, ResultAsync } from "neverthrow";
import type { ItemEvent } from "../domain/item/index.js";
import type { StoredEvent } from "./codec.js";
import type { CommandContext } from "./event-store.js";
import { journalPut, stampEvents, transactJournal } from "./journal.js";

/** What to append after version `base` of one aggregate. */
export interface JournalAppend {
  readonly client: DynamoDBClient;
  readonly journalTable: string;
  readonly aggregateId: string;
  readonly base: number;
  readonly events: readonly ItemEvent[];
  readonly context: CommandContext;
  readonly newEventId: () => string;
  /** Rows that must commit with the events or not at all (the idempotency row). */
  readonly alongside?: readonly TransactWriteItem[];
}

/**
 * The one write path into the journal. A lone event is a conditional `PutItem` (1 write unit
 * per KB): `attribute_not_exists` on its key is the whole optimistic-concurrency check. Several
 * events, or rows that must commit with them, take one `TransactWriteItems` (2 write units per
 * item per KB), all or nothing. A failed condition is a typed error carrying the per-item
 * reasons (in the order of the events, then `alongside`); any other fault rejects.
 */
export const appendToJournal = (
  input: JournalAppend,
): ResultAsync<StoredEvent[], readonly CancellationReason[]> => {
  const stored = stampEvents(
    input.aggregateId,
    input.base,
    input.events,
    input.context,
    input.newEventId,
  );
  const items = [
    ...stored.map((s) => journalPut(input.journalTable, s)),
    ...(input.alongside ?? []),
  ];
  const lone = stored.length === 1 && items.length === 1 ? items[0]?.Put : undefined;
  const sent = lone ? putJournal(input.client, lone) : transactJournal(input.client, items);
  return sent.map(() => stored);
};

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a !== undefined && b !== undefined && Buffer.from(a).equals(b);

/**
 * One conditional PutItem. The row already there comes back with a failed condition at no
 * extra cost; if it is byte for byte ours (its payload holds our fresh event id), the SDK
 * retried a put whose answer was lost: that is a success, not a conflict.
 */
const putJournal = (
  client: DynamoDBClient,
  put: Put,
): ResultAsync<void, readonly CancellationReason[]> =>
  ResultAsync.fromPromise(
    client.send(new PutItemCommand({ ...put, ReturnValuesOnConditionCheckFailure: "ALL_OLD" })),
    (e) => e,
  )
    .map(() => undefined)
    .orElse((e) => {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      if (sameBytes(e.Item?.payload?.B, put.Item?.payload?.B)) return okAsync(undefined);
      const reason: CancellationReason = { Code: "ConditionalCheckFailed", Item: e.Item };
      return errAsync([reason]);
    });
