import { fromJsonString } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import type { ItemEvent } from "../../services/domain/item/index.js";
import { ITEM_EVENT_TYPES } from "../../services/domain/item/index.js";
import { ItemIntegrationEventSchema } from "../../services/gen/inventory/item/integration/v1/item_integration_events_pb.js";
import {
  integrationEventOf,
  integrationMessageOf,
} from "../../services/integration-events/item-integration-events.js";
import {
  discontinued,
  received,
  registered,
  renamed,
  repriced,
  shipped,
  stored,
} from "../support/events.js";

const item = "0193c0de-aaaa-7000-8000-000000000001";
const at = new Date("2026-03-04T05:06:07.089Z");
const of = (version: number, event: ItemEvent) => stored(version, event, item, at);

describe("integration events: the mapping from internal events", () => {
  it("ItemRegistered is published as ItemListed, in the protobuf JSON mapping (int64 as a string)", () => {
    const message = integrationMessageOf(of(1, registered(item, "Green tea", 450)));
    expect(message?.eventType).toBe("ItemListed");
    expect(JSON.parse(message?.body ?? "")).toEqual({
      eventId: "0193c0de-0000-7000-8000-000000000001",
      itemId: item,
      itemVersion: "1",
      occurredAt: "2026-03-04T05:06:07.089Z",
      correlationId: "c",
      listed: { name: "Green tea", priceMinorUnits: "450" },
    });
  });

  it("ItemRenamed, ItemPriceChanged and ItemDiscontinued keep their names; the version is the item's", () => {
    expect(JSON.parse(integrationMessageOf(of(2, renamed("Sencha")))?.body ?? "")).toMatchObject({
      itemVersion: "2",
      renamed: { name: "Sencha" },
    });
    expect(JSON.parse(integrationMessageOf(of(3, repriced(500)))?.body ?? "")).toMatchObject({
      itemVersion: "3",
      priceChanged: { priceMinorUnits: "500" },
    });
    const gone = integrationMessageOf(of(9, discontinued("supplier fraud, see ticket 42")));
    expect(gone?.eventType).toBe("ItemDiscontinued");
    expect(JSON.parse(gone?.body ?? "")).toMatchObject({ itemVersion: "9", discontinued: {} });
  });

  it("internal-only changes (stock movements) produce nothing", () => {
    expect(integrationEventOf(of(4, received(3)))).toBeUndefined();
    expect(integrationMessageOf(of(5, shipped(1)))).toBeUndefined();
  });

  it("every internal event type is either published or deliberately internal", () => {
    const examples: Record<ItemEvent["type"], ItemEvent> = {
      ItemRegistered: registered(item),
      ItemRenamed: renamed("x"),
      ItemPriceChanged: repriced(1),
      StockReceived: received(1),
      StockShipped: shipped(1),
      ItemDiscontinued: discontinued(),
    };
    const published = ITEM_EVENT_TYPES.filter(
      (t) => integrationMessageOf(of(1, examples[t])) !== undefined,
    );
    expect(published).toEqual([
      "ItemRegistered",
      "ItemRenamed",
      "ItemPriceChanged",
      "ItemDiscontinued",
    ]);
  });

  it("the message group is the item id and the deduplication id is the event id", () => {
    const message = integrationMessageOf(of(7, renamed("Matcha")));
    expect(message?.groupId).toBe(item);
    expect(message?.deduplicationId).toBe("0193c0de-0000-7000-8000-000000000007");
  });

  it("internal details stay internal: the discontinue reason, the actor, the causation id", () => {
    const internal = of(9, discontinued("supplier fraud"));
    const withActor = {
      ...internal,
      metadata: {
        ...internal.metadata,
        actor: { subject: "alice", clientId: "app" },
        causationId: "cmd-1",
      },
    };
    const body = integrationMessageOf(withActor)?.body ?? "";
    for (const secret of ["supplier fraud", "alice", "app", "cmd-1"])
      expect(body).not.toContain(secret);
  });

  it("a body reads back through the published schema", () => {
    const body = integrationMessageOf(of(3, repriced(500)))?.body ?? "";
    const event = fromJsonString(ItemIntegrationEventSchema, body);
    expect(event.event.case).toBe("priceChanged");
    expect(event.itemVersion).toBe(3n);
  });
});
