import { parseArgs } from "node:util";
import { eventOfRecord } from "../../read-model/stream-handler.js";
import type { ParkedRecord, ParkingStore } from "../../streams/parking/parking-store.js";
import { discardParked, type ReplayOutcome, replayParked } from "../../streams/parking/replay.js";
import type { RecordHandler } from "../../streams/processing/process-batch.js";
import type { NeedsRebuildStore } from "../../streams/trimmed/needs-rebuild.js";

export const usage = `Usage: parked-records <command> [options]

Stream records the consumer parked after they exhausted their retries (and the records of the
same aggregate parked behind them, so its order is kept). With --publisher: the records the
integration publisher parked, in its own table.

Commands:
  list                     blocked aggregates, and any "needs rebuild" markers
  show <aggregate>         the parked records of an aggregate, in order (--json: full records)
  replay <aggregate>       re-run them through the projection in order; on success remove them
                           and unblock the aggregate (fix the cause first)
  replay --all             the same for every blocked aggregate
  discard <aggregate> --yes  drop the parked copies and unblock the aggregate; the events stay
                           in the journal, so the item's next event (gap healing) or a rebuild
                           applies them again: discard only after fixing the projection

Options:
  --publisher  the integration publisher's parked records (list, show, discard; replay refused:
               it re-runs the read model's projection, not the publisher)
  --json       machine-readable output (list, show)
  --all        replay every blocked aggregate
  --yes        confirm discard
  -h, --help   this text

Environment: PARKED_TABLE (with --publisher: PUBLISHER_PARKED_TABLE), AWS_REGION,
DYNAMODB_ENDPOINT; for replay also DATABASE_URL, DATABASE_SCHEMA (default public) and
JOURNAL_TABLE.`;

export interface ParkedRecordsCliDeps {
  readonly store: ParkingStore;
  readonly needsRebuild: NeedsRebuildStore;
  /** Opens the projection handler replay runs records through. */
  readonly openHandler: () => Promise<{ handler: RecordHandler; close(): Promise<void> }>;
  readonly out: (text: string) => void;
}

/** A mistake in the command line: printed with a hint, exit code 2. */
export class UsageError extends Error {}

/**
 * Why the publisher's parked records are never replayed here: replay runs the read model's
 * projection, which would write them into Postgres and publish nothing (docs/integration-events.md).
 */
export const PUBLISHER_REPLAY_REFUSED =
  "replay re-runs the read model's projection, not the integration publisher: records the publisher parked are never replayed through it. Unblock the item with `discard <item> --yes --publisher` (its parked events are then not published; tell subscribers) after fixing the cause.";

export const parseCommandLine = (argv: readonly string[]) => {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: "boolean", short: "h" },
        all: { type: "boolean" },
        json: { type: "boolean" },
        yes: { type: "boolean" },
        publisher: { type: "boolean" },
      },
    });
    return {
      help: values.help === true,
      all: values.all === true,
      json: values.json === true,
      yes: values.yes === true,
      publisher: values.publisher === true,
      command: positionals[0],
      aggregate: positionals[1],
      extra: positionals.slice(2),
    };
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
};

const toJson = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, (_k, v: unknown) =>
      v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v,
    ),
  );

const eventSummary = (p: ParkedRecord): string => {
  try {
    const e = eventOfRecord(p.record);
    return e ? `${e.metadata.eventType} v${e.metadata.sequenceNumber}` : "(no event payload)";
  } catch (err) {
    return `(undecodable: ${err instanceof Error ? err.message : String(err)})`;
  }
};

const describeRecord = (p: ParkedRecord): string =>
  [
    `- ${eventSummary(p)}  position ${p.position}`,
    `    reason ${p.reason}, attempts ${p.attempts}, parked ${p.parkedAt.toISOString()}${p.firstFailedAt ? `, first failed ${p.firstFailedAt.toISOString()}` : ""}`,
    `    shard ${p.shardId}, sequence number ${p.record.sequenceNumber}, created ${p.record.approximateCreationTime.toISOString()}`,
    ...(p.error ? [`    error: ${p.error}`] : []),
  ].join("\n");

const needAggregate = (aggregate: string | undefined, command: string): string => {
  if (!aggregate)
    throw new UsageError(
      `"${command}" needs an aggregate id: parked-records ${command} <aggregate>`,
    );
  return aggregate;
};

/** Prints a replay's outcome; true if it succeeded. */
const reportReplay = (deps: ParkedRecordsCliDeps, aggregate: string, o: ReplayOutcome): boolean => {
  if (o.ok) deps.out(`Replayed ${o.replayed} record(s) of ${aggregate}; it is no longer blocked.`);
  else if (o.reason === "NOT_PARKED") deps.out(`Nothing is parked for ${aggregate}.`);
  else
    deps.out(
      `Replay of ${aggregate} stopped at sequence number ${o.failedSequenceNumber} after ${o.replayed} record(s): ${o.error}\nThe rest stays parked; fix the cause and replay again.`,
    );
  return o.ok;
};

/** Runs one command; returns the process exit code (0 ok, 1 failed, 2 usage). */
export const runParkedRecordsCli = async (
  argv: readonly string[],
  deps: ParkedRecordsCliDeps,
): Promise<number> => {
  const args = parseCommandLine(argv);
  if (args.help || !args.command) {
    deps.out(usage);
    return 0;
  }
  if (args.extra.length > 0) throw new UsageError(`unexpected arguments: ${args.extra.join(" ")}`);
  switch (args.command) {
    case "list": {
      const blocked = await deps.store.listBlocked();
      const rows = await Promise.all(
        blocked.map(async (b) => ({
          ...b,
          records: (await deps.store.parkedOf(b.aggregateKey)).records.length,
        })),
      );
      const rebuild = await deps.needsRebuild.list();
      if (args.json) {
        deps.out(JSON.stringify({ blocked: rows, needsRebuild: rebuild }, null, 2));
        return 0;
      }
      for (const m of rebuild)
        deps.out(
          `NEEDS REBUILD: stream data was trimmed in shard ${m.shardId} (checkpoint ${m.checkpoint}, ${m.reason}, ${m.detectedAt.toISOString()})`,
        );
      if (rows.length === 0) deps.out("No parked records.");
      for (const r of rows)
        deps.out(
          `${r.aggregateKey}  ${r.records} record(s)  first parked ${r.firstParkedAt.toISOString()}  last ${r.lastParkedAt.toISOString()}`,
        );
      return 0;
    }
    case "show": {
      const aggregate = needAggregate(args.aggregate, "show");
      const { block, records } = await deps.store.parkedOf(aggregate);
      if (!block && records.length === 0) {
        deps.out(`Nothing is parked for ${aggregate}.`);
        return 1;
      }
      if (args.json) {
        deps.out(JSON.stringify(toJson({ block, records }), null, 2));
        return 0;
      }
      deps.out(
        `${aggregate}: ${records.length} parked record(s), blocked: ${block ? "yes" : "no"}`,
      );
      for (const r of records) deps.out(describeRecord(r));
      return 0;
    }
    case "replay": {
      // Refused before anything is read or opened: no database, no journal needed.
      if (args.publisher) throw new UsageError(PUBLISHER_REPLAY_REFUSED);
      if (args.all && args.aggregate)
        throw new UsageError("replay takes an aggregate id or --all, not both");
      const aggregates = args.all
        ? (await deps.store.listBlocked()).map((b) => b.aggregateKey)
        : [needAggregate(args.aggregate, "replay")];
      if (aggregates.length === 0) deps.out("No parked records.");
      const { handler, close } = await deps.openHandler();
      try {
        let failed = 0;
        for (const aggregate of aggregates)
          if (!reportReplay(deps, aggregate, await replayParked(deps.store, handler, aggregate)))
            failed++;
        return failed === 0 && aggregates.length > 0 ? 0 : 1;
      } finally {
        await close();
      }
    }
    case "discard": {
      const aggregate = needAggregate(args.aggregate, "discard");
      if (!args.yes) {
        const { records } = await deps.store.parkedOf(aggregate);
        throw new UsageError(
          `discard drops ${records.length} parked record(s) of ${aggregate} for good; run again with --yes to confirm`,
        );
      }
      const outcome = await discardParked(deps.store, aggregate);
      if ("notParked" in outcome) {
        deps.out(`Nothing is parked for ${aggregate}.`);
        return 1;
      }
      deps.out(
        args.publisher
          ? `Discarded ${outcome.discarded} record(s) of ${aggregate}; it is no longer blocked. Their integration events are not published: subscribers never see them.`
          : `Discarded ${outcome.discarded} record(s) of ${aggregate}; it is no longer blocked. Their events stay in the journal: the item's next event or a rebuild applies them.`,
      );
      return 0;
    }
    default:
      throw new UsageError(
        `unknown command "${args.command}" (expected list, show, replay or discard)`,
      );
  }
};
