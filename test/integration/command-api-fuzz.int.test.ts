import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommandApiHarness, type Harness } from "../support/command-api-harness.js";
import { anyFieldValue, anyText } from "../support/fuzz.js";
import { expectAnyProblem } from "../support/problem.js";

// ≥ 1,000 generated bodies per route through the real app: never a 5xx, every refusal is
// problem+json, and the journal grows by exactly the events the accepted requests report.
const RUNS = 1_000;

const text = anyText(120, [
  "",
  " ",
  "\u0000",
  "\ud800",
  "🍵".repeat(101),
  "x".repeat(501),
  "x".repeat(20_000),
]);
const number = fc.oneof(
  fc.integer(),
  fc.integer({ min: 0, max: 1_000_000_000 }),
  fc.double(),
  fc.constantFrom(-1, 0, -0, 1, 1.5, 1e9, 1e9 + 1, 2 ** 53, -(2 ** 53), 1e308),
);
const anything = anyFieldValue(text, number, 2);

/** Valid values too, so that accepted requests (and the journal accounting) are exercised. */
const valid: Record<string, fc.Arbitrary<unknown>> = {
  name: fc.string({ minLength: 1, maxLength: 100 }).filter((s) => s.trim().length > 0),
  price: fc.integer({ min: 0, max: 1_000_000_000 }),
  quantity: fc.integer({ min: 1, max: 1_000 }),
  reason: fc.string({ maxLength: 500 }),
};

/** Objects with the route's fields (valid, any value or missing), sometimes extra fields. */
const objectFor = (fields: readonly string[]) =>
  fc
    .tuple(
      fc.record(
        Object.fromEntries(fields.map((f) => [f, fc.oneof(valid[f] ?? anything, anything)])),
        { requiredKeys: [] },
      ),
      fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), anything, { maxKeys: 3 })),
    )
    .map(([known, extra]) => JSON.stringify({ ...(extra ?? {}), ...known }));

/** Request bodies as sent: JSON objects, other JSON values, broken JSON, random text. */
const bodyFor = (fields: readonly string[]) =>
  fc.oneof(
    { weight: 6, arbitrary: objectFor(fields) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
    {
      weight: 1,
      arbitrary: fc.json({ maxDepth: 2 }).map((s) => s.slice(0, Math.max(0, s.length - 1))),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 50 }) },
  );

const contentType = fc.oneof(
  { weight: 9, arbitrary: fc.constant("application/json") },
  {
    weight: 1,
    arbitrary: fc.constantFrom("text/plain", "application/xml", "application/json; charset=utf-8"),
  },
);

// Thousands of real DynamoDB writes: generous on a loaded 2-core CI machine; nothing here is timed.
describe("fuzzing every command route", { timeout: 300_000 }, () => {
  let h: Harness;
  let itemId: string;
  let version: number;
  let expectedJournal: number;

  beforeAll(async () => {
    h = await createCommandApiHarness();
    itemId = await h.register(1_000);
    version = 2;
    expectedJournal = await h.journalSize();
  });
  afterAll(async () => {
    // Rejected requests wrote nothing: the journal holds exactly what the 2xx answers reported.
    expect(await h.journalSize()).toBe(expectedJournal);
    await h.drop();
  });

  const fuzz = async (path: () => string, fields: readonly string[], register = false) => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(bodyFor(fields), contentType, async (body, type) => {
        const res = await h.app.request(path(), {
          method: "POST",
          headers: { "content-type": type },
          body,
        });
        expect(res.status).toBeLessThan(500);
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        if (res.status >= 400) return expectAnyProblem(res, "POST");
        const answer = (await res.json()) as { version: number };
        if (register) {
          expect(answer.version).toBe(1);
          expectedJournal += 1;
        } else {
          expect([version, version + 1]).toContain(answer.version);
          expectedJournal += answer.version - version;
          version = answer.version;
        }
      }),
      { numRuns: RUNS },
    );
    expect(await h.journalSize()).toBe(expectedJournal);
    const count = (min: number) =>
      [...seen].filter(([s]) => s >= min && s < min + 100).reduce((n, [, k]) => n + k, 0);
    expect(count(400)).toBeGreaterThan(0);
    expect(count(200)).toBeGreaterThan(0);
  };

  it("POST /commands/items", () => fuzz(() => "/commands/items", ["name", "price"], true));
  it("POST /commands/items/{id}/rename", () =>
    fuzz(() => `/commands/items/${itemId}/rename`, ["name"]));
  it("POST /commands/items/{id}/change-price", () =>
    fuzz(() => `/commands/items/${itemId}/change-price`, ["price"]));
  it("POST /commands/items/{id}/receive-stock", () =>
    fuzz(() => `/commands/items/${itemId}/receive-stock`, ["quantity"]));
  it("POST /commands/items/{id}/ship-stock", () =>
    fuzz(() => `/commands/items/${itemId}/ship-stock`, ["quantity"]));
  // Last: a valid body freezes the shared item, after which every command is a 422.
  it("POST /commands/items/{id}/discontinue", () =>
    fuzz(() => `/commands/items/${itemId}/discontinue`, ["reason"]));
});
