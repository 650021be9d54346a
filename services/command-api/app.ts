import { Hono } from "hono";
import { v7 as uuidv7 } from "uuid";
import type {
  CommandFailure,
  ItemCommandHandler,
} from "../command-handling/item-command-handler.js";
import { type ItemId, validateRegisterItem } from "../domain/item/index.js";
import { problem, problemType, validationProblem } from "../http/problem.js";

export interface CommandApiDeps {
  readonly handle: ItemCommandHandler;
  readonly newId?: () => string;
  readonly now?: () => Date;
}

const failureProblem = (failure: CommandFailure) => {
  switch (failure.kind) {
    case "ItemNotFound":
      return { type: problemType("not-found"), title: "Item not found", status: 404 };
    case "ItemAlreadyRegistered":
      return {
        type: problemType("already-registered"),
        title: "Item already registered",
        status: 409,
      };
    case "ConcurrentWrite":
      return { type: problemType("concurrent-write"), title: "Concurrent write", status: 409 };
    case "RuleViolated":
      return {
        type: problemType("rule-violated"),
        title: "Business rule violated",
        status: 422,
        rule: failure.rule,
        detail: failure.message,
      };
  }
};

export const createCommandApi = (deps: CommandApiDeps): Hono => {
  const newId = deps.newId ?? uuidv7;
  const now = deps.now ?? (() => new Date());
  const app = new Hono();

  app.get("/commands/healthz", (c) => c.json({ status: "ok" }));

  app.post("/commands/items", async (c) => {
    const body = await c.req.json().catch(() => Symbol.for("malformed"));
    if (typeof body === "symbol") {
      return problem(c, {
        type: problemType("malformed-json"),
        title: "Malformed JSON",
        status: 400,
      });
    }
    const validated = validateRegisterItem(body);
    if (validated.isErr()) return validationProblem(c, validated.error);
    const itemId = newId() as ItemId;
    const correlationId = c.req.header("x-correlation-id") ?? newId();
    const result = await deps.handle(
      { type: "RegisterItem", itemId, ...validated.value },
      { commandId: newId(), correlationId, now: now() },
    );
    if (result.isErr()) return problem(c, failureProblem(result.error));
    c.header("Location", `/queries/items/${itemId}`);
    c.header("ETag", `"${result.value.version}"`);
    return c.json({ itemId, version: result.value.version }, 201);
  });

  return app;
};
