/**
 * Who did what: the verified caller (sub, client_id) of real tokens is stored in every event's
 * metadata in the journal and shown in the item's history; idempotency keys are per caller.
 */
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearerTokens } from "../../services/auth/bearer.js";
import { JwksCache } from "../../services/auth/jwks-cache.js";
import { createTokenVerifier } from "../../services/auth/token-verifier.js";
import { createQueryApi } from "../../services/query-api/app.js";
import { createProjector } from "../../services/read-model/projector.js";
import { liveTables } from "../../services/read-model/tables.js";
import { createCommandApiHarness, type Harness } from "../support/command-api-harness.js";
import type { TestReadModel } from "../support/infra.js";
import { createTestReadModel } from "../support/infra.js";
import { TEST_AUDIENCE, TEST_CLIENT_ID, TestIssuer } from "../support/test-issuer.js";

describe("the caller in the journal and in the history", () => {
  let issuer: TestIssuer;
  let h: Harness;
  let model: TestReadModel;
  let stack: Hono;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    issuer = await TestIssuer.start();
    const access = bearerTokens({
      verify: createTokenVerifier({
        issuer: issuer.issuer,
        audience: { audiences: [TEST_AUDIENCE], clientIds: [] },
        keys: new JwksCache({ url: issuer.jwksUrl }).getKey,
      }),
    });
    [h, model] = await Promise.all([createCommandApiHarness({ access }), createTestReadModel()]);
    stack = new Hono().route("/", h.app).route("/", createQueryApi({ db: model.db, access }));
    alice = await issuer.mint({ sub: "alice" });
    // A client-credentials token of another app client: no end user, the client is the subject.
    bob = await issuer.mint({ sub: "bob-machine", claims: { client_id: "inventory-sync" } });
  });
  afterAll(async () => {
    await Promise.all([h?.drop(), model?.drop(), issuer?.stop()]);
  });

  const post = (token: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    stack.request(path, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  const project = async (itemId: string) => {
    const { events } = await h.journal.readStream(itemId);
    await createProjector({ db: model.db, journal: h.journal, tables: liveTables(model.schema) })(
      events,
    );
    return events;
  };

  it("stores sub and client_id in every event and shows them in GET /queries/items/{id}/history", async () => {
    const res = await post(alice, "/commands/items", { name: "Tea", price: 450 });
    expect(res.status).toBe(201);
    const { itemId } = (await res.json()) as { itemId: string };
    expect(
      (await post(bob, `/commands/items/${itemId}/receive-stock`, { quantity: 3 })).status,
    ).toBe(200);

    const events = await project(itemId);
    expect(events.map((e) => e.metadata.actor)).toEqual([
      { subject: "alice", clientId: TEST_CLIENT_ID },
      { subject: "bob-machine", clientId: "inventory-sync" },
    ]);

    const history = await stack.request(`/queries/items/${itemId}/history`, {
      headers: { authorization: `Bearer ${alice}` },
    });
    expect(history.status).toBe(200);
    const body = (await history.json()) as { events: Array<{ type: string; actor: unknown }> };
    expect(body.events.map((e) => [e.type, e.actor])).toEqual([
      ["ItemRegistered", { sub: "alice", clientId: TEST_CLIENT_ID }],
      ["StockReceived", { sub: "bob-machine", clientId: "inventory-sync" }],
    ]);
  });

  it("scopes Idempotency-Key per caller: the same key from two callers names two requests", async () => {
    const res = await post(alice, "/commands/items", { name: "Kettle", price: 900 });
    const { itemId } = (await res.json()) as { itemId: string };
    const key = { "Idempotency-Key": "shared-key-1" };
    const path = `/commands/items/${itemId}/receive-stock`;

    const first = await post(alice, path, { quantity: 2 }, key);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ itemId, version: 2 });
    // Bob's request with the same key is his own: applied, not a replay of Alice's answer.
    const other = await post(bob, path, { quantity: 2 }, key);
    expect(other.status).toBe(200);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    expect(await other.json()).toEqual({ itemId, version: 3 });
    // Nor does a different body under Alice's key refuse Bob (it would be 422 for Alice).
    expect((await post(bob, path, { quantity: 1 }, { "Idempotency-Key": "another" })).status).toBe(
      200,
    );
    // Alice's retry still replays her own answer and writes nothing.
    const retry = await post(alice, path, { quantity: 2 }, key);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.json()).toEqual({ itemId, version: 2 });

    const events = await project(itemId);
    expect(events).toHaveLength(4);
    expect(events.slice(1).map((e) => e.metadata.actor?.subject)).toEqual([
      "alice",
      "bob-machine",
      "bob-machine",
    ]);
  });
});
