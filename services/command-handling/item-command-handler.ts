import { err, ok, type Result } from "neverthrow";
import { backoffDelay } from "../backoff/backoff.js";
import { type Clock, systemClock } from "../clock/clock.js";
import {
  decide,
  type ItemCommand,
  type ItemEvent,
  type ItemRejection,
  initialState,
} from "../domain/item/index.js";
import type { CommandContext, ExpectedVersion } from "../event-store/event-store.js";
import type {
  IdempotencyRecord,
  ItemRepository,
  LoadedItem,
  SaveError,
} from "../event-store/item-repository.js";
import {
  type AdmissionLimits,
  createPerKeyQueue,
  DEFAULT_ADMISSION,
  type Refusal,
} from "./per-key-queue.js";
import { type ConflictRetryPolicy, DEFAULT_CONFLICT_RETRY_POLICY } from "./retry-policy.js";

/** What a successful command did: the aggregate's version after it, and whether it wrote. */
export type CommandOutcome = { readonly version: number; readonly changed: boolean };

export type CommandFailure =
  | ItemRejection
  /** Still losing the write race after every attempt of the retry policy. */
  | { readonly kind: "ConcurrentWrite"; readonly attempts: number }
  /** The client's If-Match version is not the current one. */
  | { readonly kind: "PreconditionFailed"; readonly expected: number; readonly actual: number }
  /** The Idempotency-Key is already stored: replay its response, or refuse another request. */
  | Extract<SaveError, { kind: "IdempotencyKeyReused" }>
  /** Not run at all (queue full, too many in flight, deadline passed while queued). */
  | { readonly kind: "Overloaded"; readonly refusal: Refusal };

export interface CommandInput {
  readonly command: ItemCommand;
  readonly context: CommandContext;
  /** If-Match: the version the client last saw. A mismatch is refused, never retried. */
  readonly ifMatch?: number;
  /** Builds the idempotency record saved in the same transaction as the events. */
  readonly idempotency?: (outcome: CommandOutcome) => IdempotencyRecord;
  /**
   * On the handler's clock: a command still queued then is dropped unrun, and no conflict
   * retry starts after it. Absent: no deadline.
   */
  readonly deadline?: number;
}

export interface CommandHandlerOptions {
  readonly repository: ItemRepository;
  readonly retry?: ConflictRetryPolicy;
  readonly random?: () => number;
  /** Per-item queue depth and global in-flight cap. */
  readonly admission?: AdmissionLimits;
  /** Waits between conflict retries, deadlines and queue timers. */
  readonly clock?: Clock;
}

type Plan =
  | { readonly kind: "done"; readonly result: Result<CommandOutcome, CommandFailure> }
  | { readonly kind: "write"; readonly events: readonly ItemEvent[] };

/** Steps (1) and (2): the precondition and the decision on one loaded state. */
const plan = (loaded: LoadedItem, input: CommandInput): Plan => {
  if (input.ifMatch !== undefined && input.ifMatch !== loaded.version) {
    const failure: CommandFailure = {
      kind: "PreconditionFailed",
      expected: input.ifMatch,
      actual: loaded.version,
    };
    return { kind: "done", result: err(failure) };
  }
  const decision = decide(loaded.state, input.command);
  if (decision.isErr()) return { kind: "done", result: err(decision.error) };
  if (decision.value.length === 0) {
    return { kind: "done", result: ok({ version: loaded.version, changed: false }) };
  }
  return { kind: "write", events: decision.value };
};

/**
 * Runs a command in four steps: (1) load state and version, (2) decide, (3) save the events
 * with the loaded version as the expected one, (4) on a version conflict, back off and start
 * again on fresh state (unless the client pinned a version with If-Match). An answer that
 * writes nothing (refusal, no-op, failed precondition) is never given on cached state: it is
 * confirmed on a fresh load first. A decision without events records no idempotency key.
 */
export const createItemCommandHandler = (options: CommandHandlerOptions) => {
  const policy = options.retry ?? DEFAULT_CONFLICT_RETRY_POLICY;
  const random = options.random ?? Math.random;
  const clock = options.clock ?? systemClock;
  const { repository } = options;

  const run = async (input: CommandInput): Promise<Result<CommandOutcome, CommandFailure>> => {
    const { command, context, ifMatch, deadline = Number.POSITIVE_INFINITY } = input;
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      // A register targets an id the API has just generated: skip the reads and let the
      // journal's attribute_not_exists condition be the check (a clash reloads and retries).
      let loaded: LoadedItem =
        command.type === "RegisterItem" && attempt === 1
          ? { state: initialState(), version: 0, cached: true }
          : await repository.load(command.itemId, { fresh: attempt > 1 });
      let next = plan(loaded, input);
      if (next.kind === "done" && loaded.cached) {
        loaded = await repository.load(command.itemId, { fresh: true });
        next = plan(loaded, input);
      }
      if (next.kind === "done") return next.result;
      const { events } = next;
      const outcome = { version: loaded.version + events.length, changed: true };
      const expected: ExpectedVersion =
        loaded.version === 0 ? { kind: "noStream" } : { kind: "exact", version: loaded.version };
      const saved = await repository.save(
        command.itemId,
        expected,
        events,
        context,
        input.idempotency?.(outcome),
      );
      if (saved.isOk()) return ok({ version: saved.value.version, changed: true });
      switch (saved.error.kind) {
        case "IdempotencyKeyReused":
          return err(saved.error);
        case "TooManyEvents":
          throw new Error(`a single ${command.type} produced ${saved.error.count} events`);
        case "VersionConflict":
          if (ifMatch !== undefined) {
            const actual = (await repository.load(command.itemId, { fresh: true })).version;
            return err({ kind: "PreconditionFailed", expected: ifMatch, actual });
          }
          if (attempt < policy.maxAttempts) {
            const delay = backoffDelay(policy.backoff, attempt, random());
            // The client is answered by its deadline: no retry that would end after it.
            if (clock.now() + delay >= deadline) {
              return err({ kind: "ConcurrentWrite", attempts: attempt });
            }
            await clock.sleep(delay);
          }
      }
    }
    return err({ kind: "ConcurrentWrite", attempts: policy.maxAttempts });
  };
  // Commands on one item run one at a time in this process, within bounds (per-key-queue.ts).
  const queue = createPerKeyQueue(options.admission ?? DEFAULT_ADMISSION, clock);
  return async (input: CommandInput): Promise<Result<CommandOutcome, CommandFailure>> => {
    const admitted = await queue(input.command.itemId, () => run(input), input.deadline);
    if (admitted.isErr()) return err({ kind: "Overloaded", refusal: admitted.error });
    return admitted.value;
  };
};

export type ItemCommandHandler = ReturnType<typeof createItemCommandHandler>;
