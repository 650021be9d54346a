import type { DataSource } from "typeorm";
import type { StoredEvent } from "../event-store/codec.js";
import { eventOfJournalItem } from "../event-store/journal.js";
import type { RecordHandler } from "../streams/processing/process-batch.js";
import type { StreamRecord } from "../streams/retrieval/stream-client.js";
import {
  createProjector,
  type JournalReader,
  type Projector,
  type VersionReached,
} from "./projector.js";
import { liveTables } from "./tables.js";

/** Pure: journal stream record → stored event (records without a payload are not events). */
export const eventOfRecord = (record: StreamRecord): StoredEvent | undefined =>
  eventOfJournalItem(record.newImage);

/**
 * The consumer's handler: decode the batch and project it in one transaction. Any fault
 * rejects with nothing written, so the consumer retries the batch and keeps its checkpoint;
 * redelivered records are skipped by the projector's high-water marks.
 */
const projectRecords =
  (project: Projector): RecordHandler =>
  async ({ records }) => {
    const events = records.map(eventOfRecord).filter((e): e is StoredEvent => e !== undefined);
    await project(events);
    return undefined;
  };

export interface ReadModelHandlerDeps {
  readonly db: DataSource;
  /** Journal for gap healing (consistent reads). */
  readonly journal: JournalReader;
  readonly schema?: string;
  /** In-process read-your-writes signal (e.g. `InProcessVersionSignal.publish`). */
  readonly onCommitted?: (reached: readonly VersionReached[]) => void;
}

/** The live projection's handler: live tables, NOTIFY on commit. */
export const readModelHandler = (deps: ReadModelHandlerDeps): RecordHandler =>
  projectRecords(
    createProjector({
      db: deps.db,
      journal: deps.journal,
      tables: liveTables(deps.schema ?? "public"),
      notify: true,
      onCommitted: deps.onCommitted,
    }),
  );
