import type { DataSource } from "typeorm";
import { decodeEvent, type StoredEvent } from "../event-store/codec.js";
import type { StreamRecord } from "../streams/retrieval/stream-client.js";
import { applyEvents } from "./projector.js";

/** Pure: journal stream record → stored event (records without a payload are not events). */
export const eventOfRecord = (record: StreamRecord): StoredEvent | undefined => {
  const payload = record.newImage?.payload?.B;
  return payload ? decodeEvent(payload) : undefined;
};

/** The consumer's handler: decode the batch and project it in one transaction. */
export const projectRecords =
  (db: DataSource) =>
  async (records: readonly StreamRecord[]): Promise<void> => {
    const events = records.map(eventOfRecord).filter((e): e is StoredEvent => e !== undefined);
    await applyEvents(db, events);
  };
