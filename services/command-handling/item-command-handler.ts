import { err, ok, type Result } from "neverthrow";
import { decide, fold, type ItemCommand, type ItemRejection } from "../domain/item/index.js";
import type { CommandContext, EventStore } from "../event-store/event-store.js";

export type CommandOutcome = { readonly version: number; readonly changed: boolean };

export type CommandFailure =
  | ItemRejection
  | { readonly kind: "ConcurrentWrite"; readonly attempts: number };

export interface CommandHandlerOptions {
  readonly store: EventStore;
  /** Attempts when another writer appended between load and append (re-decides on fresh state). */
  readonly maxAttempts?: number;
}

/**
 * The four steps of a command: load the stream, fold it, decide, append with the loaded
 * version as the expected version. A version conflict re-runs the steps on fresh state.
 */
export const createItemCommandHandler =
  (options: CommandHandlerOptions) =>
  async (
    command: ItemCommand,
    context: CommandContext,
  ): Promise<Result<CommandOutcome, CommandFailure>> => {
    const maxAttempts = options.maxAttempts ?? 5;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const stream = await options.store.readStream(command.itemId);
      const decision = decide(fold(stream.events.map((e) => e.event)), command);
      if (decision.isErr()) return err(decision.error);
      if (decision.value.length === 0) return ok({ version: stream.version, changed: false });
      const expected =
        stream.version === 0
          ? ({ kind: "noStream" } as const)
          : ({ kind: "exact", version: stream.version } as const);
      const appended = await options.store.append(
        command.itemId,
        expected,
        decision.value,
        context,
      );
      if (appended.isOk()) return ok({ version: appended.value.version, changed: true });
      if (appended.error.kind === "TooManyEvents")
        throw new Error("a single command produced too many events");
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
    return err({ kind: "ConcurrentWrite", attempts: maxAttempts });
  };

export type ItemCommandHandler = ReturnType<typeof createItemCommandHandler>;
