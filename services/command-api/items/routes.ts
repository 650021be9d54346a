import { type Context, Hono } from "hono";
import type { CallerVariables } from "../../auth/caller.js";
import type {
  CommandOutcome,
  ItemCommandHandler,
} from "../../command-handling/item-command-handler.js";
import {
  type ItemCommand,
  type ItemId,
  validateChangePrice,
  validateDiscontinueItem,
  validateRegisterItem,
  validateRenameItem,
  validateStockMovement,
} from "../../domain/item/index.js";
import type { Validation } from "../../domain/shared/validation.js";
import { type ItemRepository, matchIdempotency } from "../../event-store/item-repository.js";
import type { ShellVariables } from "../../http/request-log.js";
import { failureResponse } from "../failures.js";
import {
  callerScopedKey,
  fingerprintOf,
  replayOrRefuse,
  type StoredResponse,
  sendStored,
} from "../idempotency.js";
import { type ParsedRequest, parseCommandRequest } from "./request.js";

export interface ItemRoutesDeps {
  readonly handle: ItemCommandHandler;
  readonly idempotency: Pick<ItemRepository, "findIdempotency">;
  readonly newItemId: () => ItemId;
  readonly newCommandId: () => string;
  readonly now: () => Date;
  /** The deadline of a command arriving now, on the command handler's clock. */
  readonly deadline: () => number;
}

// The bearer-token middleware in front of these routes has set `caller`.
type Env = { Variables: ShellVariables & CallerVariables };

type ItemChange = Exclude<ItemCommand, { type: "RegisterItem" }>;
type Change<T extends ItemChange["type"]> = Extract<ItemChange, { type: T }>;

const json = { "Content-Type": "application/json" };

const accepted =
  (status: 200 | 201, itemId: ItemId) =>
  ({ version }: CommandOutcome): StoredResponse => ({
    status,
    body: JSON.stringify({ itemId, version }),
    headers: {
      ...json,
      ETag: `"${version}"`,
      ...(status === 201 ? { Location: `/queries/items/${itemId}` } : {}),
    },
  });

/** Item commands: POST /commands/items and POST /commands/items/{id}/<verb>. */
export const itemRoutes = (deps: ItemRoutesDeps) => {
  /**
   * The command and its answer (stored with the events). A keyed command that writes costs one
   * round trip: the save itself reports a taken key. Only an answer that saved nothing (refusal,
   * no-op, failed precondition) looks the key up, so that a retry still gets the original answer.
   */
  const execute = async (
    c: Context<Env>,
    request: ParsedRequest<unknown>,
    command: ItemCommand,
    reply: (outcome: CommandOutcome) => StoredResponse,
  ): Promise<Response> => {
    const caller = c.get("caller");
    const actor = { subject: caller.subject, clientId: caller.clientId };
    // Keys are per caller: the same key sent by two callers names two requests.
    // Only a keyed request is ever compared with another one: no fingerprint without a key.
    const keyed =
      request.idempotencyKey === undefined
        ? undefined
        : {
            key: callerScopedKey(actor, request.idempotencyKey),
            fingerprint: fingerprintOf(c.req.method, c.req.path, request.values),
          };
    const context = {
      commandId: deps.newCommandId(),
      correlationId: c.get("correlationId"),
      now: deps.now(),
      actor,
    };
    const result = await deps.handle({
      command,
      context,
      ifMatch: request.ifMatch,
      deadline: deps.deadline(),
      idempotency: keyed && ((o) => ({ ...keyed, response: reply(o) })),
    });
    if (result.isOk() && result.value.changed) return sendStored(reply(result.value));
    // An overload answers at once: no lookup that would add load.
    const skipLookup =
      result.isErr() && ["IdempotencyKeyReused", "Overloaded"].includes(result.error.kind);
    const stored =
      keyed === undefined || skipLookup
        ? undefined
        : await deps.idempotency.findIdempotency(keyed.key);
    if (stored && keyed) return replayOrRefuse(c, matchIdempotency(stored, keyed.fingerprint));
    return result.isOk() ? sendStored(reply(result.value)) : failureResponse(c, result.error);
  };

  /** A change of an existing item: the command is the validated body's values plus its id. */
  const change =
    <T extends ItemChange["type"]>(
      type: T,
      validate: (body: unknown) => Validation<Omit<Change<T>, "type" | "itemId">>,
      emptyAsObject = false,
    ) =>
    async (c: Context<Env>) => {
      const parsed = await parseCommandRequest(c, { validate, emptyAsObject });
      if (parsed.isErr()) return parsed.error;
      const { itemId, values } = parsed.value;
      if (itemId === undefined) throw new Error("route without an :id parameter");
      // Sound: the values are all of Change<T> but its type and id.
      const command = { type, itemId, ...values } as Change<T>;
      return execute(c, parsed.value, command, accepted(200, itemId));
    };

  return new Hono<Env>()
    .post("/", async (c) => {
      const parsed = await parseCommandRequest(c, { validate: validateRegisterItem });
      if (parsed.isErr()) return parsed.error;
      const itemId = deps.newItemId();
      const command: ItemCommand = { type: "RegisterItem", itemId, ...parsed.value.values };
      return execute(c, parsed.value, command, accepted(201, itemId));
    })
    .post("/:id/rename", change("RenameItem", validateRenameItem))
    .post("/:id/change-price", change("ChangePrice", validateChangePrice))
    .post("/:id/receive-stock", change("ReceiveStock", validateStockMovement))
    .post("/:id/ship-stock", change("ShipStock", validateStockMovement))
    .post("/:id/discontinue", change("DiscontinueItem", validateDiscontinueItem, true));
};
