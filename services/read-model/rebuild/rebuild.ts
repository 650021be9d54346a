import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DataSource } from "typeorm";
import { applyInTransaction, type JournalReader } from "../projector.js";
import { shadowTables } from "../tables.js";
import { type ScanKey, scanSegment } from "./journal-scan.js";
import {
  createShadowTables,
  loadProgress,
  type SegmentProgress,
  saveProgress,
  swapShadowTables,
} from "./shadow-tables.js";

export interface RebuildOptions {
  readonly db: DataSource;
  readonly schema: string;
  readonly dynamo: DynamoDBClient;
  readonly journalTableName: string;
  /** Consistent reads for the swap's reconciliation (and any gap inside a segment). */
  readonly journal: JournalReader;
  /** Parallel Scan segments; each is projected by its own loop. */
  readonly segments: number;
  readonly pageSize?: number;
  /** Continue an interrupted rebuild (same segment count) instead of starting afresh. */
  readonly resume?: boolean;
  readonly onProgress?: (p: RebuildProgress) => void;
}

export interface RebuildProgress {
  readonly events: number;
  readonly segmentsDone: number;
  readonly segments: number;
  readonly phase: "scanning" | "swapping" | "done";
}

export interface RebuildOutcome {
  readonly events: number;
  readonly resumed: boolean;
  readonly reconciled: number;
}

/**
 * Rebuilds every projection from the journal, without the stream: parallel Scan segments are
 * projected into shadow tables by the same projector as the live path, each page in one
 * transaction with its segment's position (so `resume` continues exactly where it stopped),
 * then the shadow tables are swapped in atomically.
 */
export const rebuildReadModel = async (o: RebuildOptions): Promise<RebuildOutcome> => {
  const scanned = await projectJournalIntoShadow(o);
  o.onProgress?.({ ...scanned.progress, phase: "swapping" });
  const swap = await swapShadowTables(o.db, o.schema, o.journal);
  o.onProgress?.({ ...scanned.progress, phase: "done" });
  return { events: scanned.events, resumed: scanned.resumed, reconciled: swap.reconciled };
};

/** Step 1 of a rebuild: every journal event into the shadow tables (resumable). */
export const projectJournalIntoShadow = async (o: RebuildOptions) => {
  const saved = o.resume ? await loadProgress(o.db, o.schema, o.segments) : undefined;
  if (!saved) await createShadowTables(o.db, o.schema, o.segments);
  const progress: SegmentProgress[] =
    saved ??
    Array.from({ length: o.segments }, (_, segment) => ({
      segment,
      nextKey: null,
      done: false,
      events: 0,
    }));
  const shadow = { journal: o.journal, tables: shadowTables(o.schema) };
  const total = () => progress.reduce((n, p) => n + p.events, 0);
  const report = (phase: RebuildProgress["phase"]) =>
    o.onProgress?.({
      events: total(),
      segmentsDone: progress.filter((p) => p.done).length,
      segments: o.segments,
      phase,
    });
  report("scanning");
  const scan = {
    client: o.dynamo,
    journalTableName: o.journalTableName,
    totalSegments: o.segments,
  };
  await Promise.all(
    progress
      .filter((p) => !p.done)
      .map((p) =>
        scanSegment(
          { ...scan, pageSize: o.pageSize },
          p.segment,
          p.nextKey ? (JSON.parse(p.nextKey) as ScanKey) : undefined,
          async (page) => {
            const next: SegmentProgress = {
              segment: p.segment,
              nextKey: page.nextKey ? JSON.stringify(page.nextKey) : null,
              done: page.nextKey === undefined,
              events: (progress[p.segment]?.events ?? 0) + page.events.length,
            };
            // The page's rows and the segment's position commit together.
            await o.db.transaction(async (tx) => {
              await applyInTransaction(tx, shadow, page.events);
              await saveProgress(tx, o.schema, next);
            });
            progress[p.segment] = next;
            report("scanning");
          },
        ),
      ),
  );
  return {
    events: total(),
    resumed: saved !== undefined,
    progress: { events: total(), segmentsDone: o.segments, segments: o.segments },
  };
};
