import type { Context } from "hono";
import type { CommandFailure } from "../command-handling/item-command-handler.js";
import { problemResponse, unavailableResponse } from "../http/problem.js";
import { replayOrRefuse } from "./idempotency.js";

const overloadDetail = {
  QueueFull: "too many commands wait for this item; retry later",
  TooManyInFlight: "too many commands are in progress; retry later",
  DeadlineExceeded: "the command waited past its deadline and was not run; retry later",
} as const;

/**
 * Every refused command → its problem response; the status lives in the problem catalogue.
 * A taken Idempotency-Key replays the original answer instead (same request).
 */
export const failureResponse = (c: Context, failure: CommandFailure): Response => {
  switch (failure.kind) {
    case "ItemNotFound":
      return problemResponse(c, "not-found", { detail: "no item has this id" });
    case "ItemAlreadyRegistered":
      return problemResponse(c, "already-registered", {
        detail: "an item with this id is already registered",
      });
    case "RuleViolated":
      return problemResponse(c, "rule-violated", { rule: failure.rule, detail: failure.message });
    case "ConcurrentWrite":
      return problemResponse(c, "concurrent-write", {
        detail: `other writers kept changing the item during ${failure.attempts} attempts; retry`,
        attempts: failure.attempts,
      });
    case "PreconditionFailed":
      c.header("ETag", `"${failure.actual}"`);
      return problemResponse(c, "precondition-failed", {
        detail: `If-Match names version ${failure.expected}, the item is at version ${failure.actual}`,
        currentVersion: failure.actual,
      });
    case "IdempotencyKeyReused":
      return replayOrRefuse(c, failure);
    case "Overloaded":
      return unavailableResponse(c, "overloaded", 1, {
        detail: overloadDetail[failure.refusal.kind],
        reason: failure.refusal.kind,
      });
  }
};
