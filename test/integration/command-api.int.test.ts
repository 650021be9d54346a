import { ResultAsync } from "neverthrow";
import { beforeAll, describe, expect, it } from "vitest";
import { createCommandApiHarness, type Harness } from "../support/command-api-harness.js";
import { received, registered } from "../support/events.js";
import { expectProblem as expectProblemOf } from "../support/problem.js";

type Problem = {
  type: string;
  status: number;
  rule?: string;
  errors?: Array<{ field: string; message: string }>;
};

const expectProblem = (res: Response, status: number, kind: string) =>
  expectProblemOf<Problem>(res, status, kind);

const unknownId = "0193c0de-0000-7000-8000-0000000000ff";

describe("command API over HTTP (DynamoDB Local)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createCommandApiHarness();
    return () => h.drop();
  });

  describe("register", () => {
    it("answers 201 with the id, Location, ETag and a generated correlation id", async () => {
      const res = await h.post("/commands/items", { name: " Green tea ", price: 450 });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { itemId: string; version: number };
      expect(body.version).toBe(1);
      expect(res.headers.get("location")).toBe(`/queries/items/${body.itemId}`);
      expect(res.headers.get("etag")).toBe('"1"');
      expect(res.headers.get("x-correlation-id")).toMatch(/^[0-9a-f-]{36}$/);
      const stream = await h.journal.readStream(body.itemId);
      expect(stream.events.map((e) => e.event)).toEqual([
        registered(body.itemId, "Green tea", 450),
      ]);
    });

    it("echoes X-Correlation-Id, stores it in event metadata and links events to the command", async () => {
      const res = await h.post(
        "/commands/items",
        { name: "Tea", price: 1 },
        { "X-Correlation-Id": "order-42" },
      );
      expect(res.headers.get("x-correlation-id")).toBe("order-42");
      const { itemId } = (await res.json()) as { itemId: string };
      await h.post(
        `/commands/items/${itemId}/rename`,
        { name: "Tea 2" },
        {
          "X-Correlation-Id": "order-42",
        },
      );
      const [a, b] = (await h.journal.readStream(itemId)).events.map((e) => e.metadata);
      expect(a?.correlationId).toBe("order-42");
      expect(b?.correlationId).toBe("order-42");
      expect(a?.causationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(b?.causationId).not.toBe(a?.causationId);
    });

    it("lists every invalid and unknown field in one 400", async () => {
      const p = await expectProblem(
        await h.post("/commands/items", { name: 7, price: -1, prize: 3 }),
        400,
        "validation",
      );
      expect(p.errors?.map((e) => e.field)).toEqual(["prize", "name", "price"]);
    });
  });

  describe("changes of a registered item", () => {
    it("rename and change-price answer 200 with the new version and ETag", async () => {
      const id = await h.register();
      const r1 = await h.post(`/commands/items/${id}/rename`, { name: "Black tea" });
      expect(r1.status).toBe(200);
      expect(await r1.json()).toEqual({ itemId: id, version: 2 });
      expect(r1.headers.get("etag")).toBe('"2"');
      const r2 = await h.post(`/commands/items/${id}/change-price`, { price: 999 });
      expect(await r2.json()).toEqual({ itemId: id, version: 3 });
    });

    it("the same name or the same price answers 200 with the unchanged version and writes nothing", async () => {
      const id = await h.register(0, "Oolong");
      const r1 = await h.post(`/commands/items/${id}/rename`, { name: "  Oolong " });
      const r2 = await h.post(`/commands/items/${id}/change-price`, { price: 450 });
      for (const r of [r1, r2]) {
        expect(r.status).toBe(200);
        expect(await r.json()).toEqual({ itemId: id, version: 1 });
        expect(r.headers.get("etag")).toBe('"1"');
      }
      expect((await h.journal.readStream(id)).version).toBe(1);
    });

    it("ships what was received and refuses to go below zero with 422 and the rule's name", async () => {
      const id = await h.register(3);
      expect((await h.post(`/commands/items/${id}/ship-stock`, { quantity: 2 })).status).toBe(200);
      const p = await expectProblem(
        await h.post(`/commands/items/${id}/ship-stock`, { quantity: 2 }),
        422,
        "rule-violated",
      );
      expect(p.rule).toBe("StockNeverNegative");
      expect((await h.journal.readStream(id)).version).toBe(3);
    });

    it("discontinues with an empty body, then refuses every command (DiscontinuedItemIsFrozen)", async () => {
      const id = await h.register(1);
      const res = await h.app.request(`/commands/items/${id}/discontinue`, {
        method: "POST",
        headers: { "content-type": "application/json" },
      });
      expect(res.status).toBe(200);
      for (const [verb, body] of [
        ["rename", { name: "x" }],
        ["change-price", { price: 1 }],
        ["receive-stock", { quantity: 1 }],
        ["ship-stock", { quantity: 1 }],
        ["discontinue", { reason: "again" }],
      ] as const) {
        const p = await expectProblem(
          await h.post(`/commands/items/${id}/${verb}`, body),
          422,
          "rule-violated",
        );
        expect(p.rule).toBe("DiscontinuedItemIsFrozen");
      }
    });

    it("answers 404 for an unknown item and writes nothing", async () => {
      const before = await h.journalSize();
      await expectProblem(
        await h.post(`/commands/items/${unknownId}/rename`, { name: "x" }),
        404,
        "not-found",
      );
      expect(await h.journalSize()).toBe(before);
    });

    it("reports a malformed path id together with the body's errors", async () => {
      const p = await expectProblem(
        await h.post("/commands/items/not-a-uuid/receive-stock", { quantity: 0 }),
        400,
        "validation",
      );
      expect(p.errors?.map((e) => e.field)).toEqual(["itemId", "quantity"]);
    });
  });

  describe("two processes with their own state caches", () => {
    it("confirm a refusal decided on a stale cached state before answering", async () => {
      const other = await createCommandApiHarness({ tables: h.tables });
      const id = await h.register(0);
      await h.post(`/commands/items/${id}/rename`, { name: "Cached" }); // h caches stock 0
      expect(
        (await other.post(`/commands/items/${id}/receive-stock`, { quantity: 5 })).status,
      ).toBe(200);
      const res = await h.post(`/commands/items/${id}/ship-stock`, { quantity: 3 });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ itemId: id, version: 4 });
    });

    it("retry a save refused because the cached version was stale", async () => {
      const other = await createCommandApiHarness({ tables: h.tables });
      const id = await h.register(10);
      await other.post(`/commands/items/${id}/ship-stock`, { quantity: 1 });
      const res = await h.post(`/commands/items/${id}/ship-stock`, { quantity: 1 });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ itemId: id, version: 4 });
      expect((await h.repository.load(id, { fresh: true })).state).toMatchObject({ stock: 8 });
    });
  });

  describe("If-Match", () => {
    it("applies the command when it names the current version", async () => {
      const id = await h.register();
      const res = await h.post(
        `/commands/items/${id}/rename`,
        { name: "Sencha" },
        {
          "If-Match": '"1"',
        },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get("etag")).toBe('"2"');
    });

    it("answers 412 with the current ETag when it names another version, and writes nothing", async () => {
      const id = await h.register(5);
      const res = await h.post(
        `/commands/items/${id}/ship-stock`,
        { quantity: 1 },
        {
          "If-Match": '"1"',
        },
      );
      await expectProblem(res, 412, "precondition-failed");
      expect(res.headers.get("etag")).toBe('"2"');
      expect((await h.journal.readStream(id)).version).toBe(2);
    });

    it("rejects a malformed If-Match as a 400 on that header", async () => {
      const id = await h.register();
      const p = await expectProblem(
        await h.post(`/commands/items/${id}/rename`, { name: "x" }, { "If-Match": "W/1" }),
        400,
        "validation",
      );
      expect(p.errors?.map((e) => e.field)).toEqual(["If-Match"]);
    });
  });

  describe("request format", () => {
    it("answers 400 for malformed JSON", async () => {
      await expectProblem(await h.post("/commands/items", '{"name": "x",'), 400, "malformed-json");
    });

    it("refuses an empty discontinue without Content-Type: application/json (a cross-site form), writing nothing", async () => {
      const id = await h.register();
      const before = await h.journalSize();
      for (const headers of [{}, { "content-type": "application/x-www-form-urlencoded" }]) {
        const res = await h.app.request(`/commands/items/${id}/discontinue`, {
          method: "POST",
          headers,
        });
        await expectProblem(res, 415, "unsupported-media-type");
      }
      expect(await h.journalSize()).toBe(before);
    });

    it("answers 400 for a NUL or a C1 control in a name, writing nothing", async () => {
      const before = await h.journalSize();
      for (const name of ["tea\u0000pot", "tea\u0085pot", "\ud800"]) {
        const p = await expectProblem(
          await h.post("/commands/items", { name, price: 100 }),
          400,
          "validation",
        );
        expect(p.errors?.map((e) => e.field)).toEqual(["name"]);
      }
      expect(await h.journalSize()).toBe(before);
    });

    it("answers 415 for a body that is not JSON", async () => {
      const res = await h.app.request("/commands/items", {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "name=x",
      });
      await expectProblem(res, 415, "unsupported-media-type");
    });

    it("answers 413 above the documented 16 KiB, before parsing", async () => {
      const name = "x".repeat(16 * 1024);
      await expectProblem(
        await h.post("/commands/items", { name, price: 1 }),
        413,
        "payload-too-large",
      );
    });

    it("answers 413 from a declared Content-Length above 16 KiB alone, and reads a body within it", async () => {
      const before = await h.journalSize();
      const declared = (length: number, body: string) =>
        h.app.request("/commands/items", {
          method: "POST",
          headers: { "content-type": "application/json", "content-length": String(length) },
          body,
        });
      const small = JSON.stringify({ name: "Declared", price: 1 });
      await expectProblem(await declared(16 * 1024 + 1, small), 413, "payload-too-large");
      expect(await h.journalSize()).toBe(before);
      expect((await declared(Buffer.byteLength(small), small)).status).toBe(201);
    });

    it("answers 400 when the body is valid JSON but not an object", async () => {
      const p = await expectProblem(await h.post("/commands/items", "[1]"), 400, "validation");
      expect(p.errors).toEqual([{ field: "", message: "the body must be a JSON object" }]);
    });

    it("answers 404 problem+json for an unknown command route, 405 for a wrong method", async () => {
      await expectProblem(await h.post("/commands/items/x/explode", {}), 404, "not-found");
      const list = await h.app.request("/commands/items");
      expect(list.headers.get("allow")).toBe("POST, OPTIONS");
      await expectProblem(list, 405, "method-not-allowed");
    });
  });

  describe("Idempotency-Key", () => {
    it("replays the original status, body and headers and writes nothing new", async () => {
      const headers = { "Idempotency-Key": "reg-1" };
      const first = await h.post("/commands/items", { name: "Matcha", price: 10 }, headers);
      const size = await h.journalSize();
      const again = await h.post("/commands/items", { price: 10, name: "Matcha" }, headers);
      expect(again.status).toBe(201);
      expect(await again.json()).toEqual(await first.json());
      expect(again.headers.get("location")).toBe(first.headers.get("location"));
      expect(again.headers.get("etag")).toBe('"1"');
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(await h.journalSize()).toBe(size);
    });

    it("answers 422 when the key is reused for a different request", async () => {
      const headers = { "Idempotency-Key": "reg-2" };
      await h.post("/commands/items", { name: "Matcha", price: 10 }, headers);
      const size = await h.journalSize();
      await expectProblem(
        await h.post("/commands/items", { name: "Matcha", price: 11 }, headers),
        422,
        "idempotency-key-reused",
      );
      expect(await h.journalSize()).toBe(size);
    });

    it("lets exactly one of many concurrent identical requests write", async () => {
      const id = await h.register(0);
      const headers = { "Idempotency-Key": `recv-${id}` };
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          h.post(`/commands/items/${id}/receive-stock`, { quantity: 4 }, headers),
        ),
      );
      expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
      const bodies = await Promise.all(answers.map((r) => r.json()));
      expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
      const stream = await h.journal.readStream(id);
      expect(stream.events.filter((e) => e.event.type === "StockReceived")).toHaveLength(1);
    });

    it("replays the original answer when the retried command would now be refused", async () => {
      const id = await h.register(3);
      const headers = { "Idempotency-Key": `ship-${id}` };
      const first = await h.post(`/commands/items/${id}/ship-stock`, { quantity: 3 }, headers);
      expect(first.status).toBe(200);
      const size = await h.journalSize();
      const again = await h.post(`/commands/items/${id}/ship-stock`, { quantity: 3 }, headers);
      expect(again.status).toBe(200);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(await again.json()).toEqual(await first.json());
      expect(await h.journalSize()).toBe(size);
    });

    it("writes a keyed command without looking the key up first", async () => {
      const lookups: string[] = [];
      const counted = await createCommandApiHarness({
        wrap: (real) => ({
          load: (id, o) => real.load(id, o),
          save: (...args) => real.save(...args),
          findIdempotency: (k) => {
            lookups.push(k);
            return real.findIdempotency(k);
          },
        }),
      });
      try {
        const headers = { "Idempotency-Key": "one-trip" };
        const res = await counted.post("/commands/items", { name: "Sencha", price: 5 }, headers);
        expect(res.status).toBe(201);
        expect(lookups).toEqual([]);
      } finally {
        await counted.drop();
      }
    });

    it("records nothing for a command that changes nothing", async () => {
      const id = await h.register(0, "Hojicha");
      const headers = { "Idempotency-Key": `noop-${id}` };
      const noop = await h.post(`/commands/items/${id}/rename`, { name: "Hojicha" }, headers);
      expect(noop.status).toBe(200);
      expect(await h.repository.findIdempotency(`noop-${id}`)).toBeUndefined();
    });

    it("rejects an unusable key as a 400 on that header", async () => {
      const p = await expectProblem(
        await h.post("/commands/items", { name: "x", price: 1 }, { "Idempotency-Key": "a b" }),
        400,
        "validation",
      );
      expect(p.errors?.map((e) => e.field)).toEqual(["Idempotency-Key"]);
    });
  });

  describe("operations", () => {
    it("answers GET /commands/healthz", async () => {
      const res = await h.app.request("/commands/healthz");
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "ok" });
    });

    it("logs one JSON line per request with method, route, status, latency and correlation id", async () => {
      const id = await h.register();
      h.logs.length = 0;
      await h.post(
        `/commands/items/${id}/rename`,
        { name: "Logged" },
        { "X-Correlation-Id": "c-1" },
      );
      expect(h.logs).toHaveLength(1);
      expect(h.logs[0]).toMatchObject({
        msg: "request",
        method: "POST",
        route: "/commands/items/:id/rename",
        status: 200,
        correlationId: "c-1",
      });
      expect(typeof h.logs[0]?.latencyMs).toBe("number");
    });
  });
});

describe("command API under faults", () => {
  it("answers 409 after the bounded retries when another writer always gets in first", async () => {
    let interfering = 0;
    let active = false;
    const h = await createCommandApiHarness({
      cache: false,
      retry: { maxAttempts: 3, backoff: { initialMs: 1, maxMs: 2, multiplier: 2 } },
      wrap: (real) => ({
        load: (id, o) => real.load(id, o),
        findIdempotency: (k) => real.findIdempotency(k),
        // Once active, a competing writer appends between this request's load and its save.
        save: (id, expected, events, context, idem) => {
          if (!active) return real.save(id, expected, events, context, idem);
          interfering++;
          const competitor = real.load(id, { fresh: true }).then((l) =>
            real.save(id, { kind: "exact", version: l.version }, [received(1)], {
              ...context,
              commandId: "competitor",
            }),
          );
          return ResultAsync.fromSafePromise(competitor).andThen(() =>
            real.save(id, expected, events, context, idem),
          );
        },
      }),
    });
    try {
      const id = await h.register();
      active = true;
      const p = await expectProblem(
        await h.post(`/commands/items/${id}/rename`, { name: "Lost" }),
        409,
        "concurrent-write",
      );
      expect(p).toMatchObject({ attempts: 3 });
      const events = (await h.journal.readStream(id)).events.map((e) => e.event.type);
      expect(events).not.toContain("ItemRenamed");
      expect(interfering).toBe(3);
    } finally {
      await h.drop();
    }
  });

  it("answers 500 problem+json and logs the error when the store fails", async () => {
    const h = await createCommandApiHarness({
      wrap: (real) => ({
        load: () => Promise.reject(new Error("store unreachable")),
        save: (...args) => real.save(...args),
        findIdempotency: (k) => real.findIdempotency(k),
      }),
    });
    try {
      await expectProblem(
        await h.post(`/commands/items/${unknownId}/rename`, { name: "x" }),
        500,
        "internal",
      );
      expect(h.logs.map((l) => l.level)).toEqual(["error", "error"]);
      expect(await h.journalSize()).toBe(0);
    } finally {
      await h.drop();
    }
  });

  it("reports 503 on health while draining", async () => {
    const h = await createCommandApiHarness({ isDraining: () => true });
    try {
      await expectProblem(await h.app.request("/commands/healthz"), 503, "unavailable");
    } finally {
      await h.drop();
    }
  });
});
