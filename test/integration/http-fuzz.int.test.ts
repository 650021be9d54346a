import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROBLEM_BASE } from "../../services/http/problem.js";
import { createQueryApi } from "../../services/query-api/app.js";
import { createCommandApiHarness, type Harness } from "../support/command-api-harness.js";
import { anyFieldValue, anyText } from "../support/fuzz.js";
import type { TestReadModel } from "../support/infra.js";
import { createTestReadModel } from "../support/infra.js";
import { presetCaller } from "../support/preset-caller.js";
import { expectAnyProblem } from "../support/problem.js";

// Every route of both APIs, with generated bodies, path and query parameters and the headers
// If-Match, If-None-Match, Idempotency-Key and X-Correlation-Id: never a 5xx, every 4xx is
// problem+json, and a refused request writes no event (the journal holds exactly what the
// accepted commands report). The one 5xx a correct server gives is the documented 504
// `read-model-lagging` (`?minVersion=` beyond what the read model holds): it is checked as such.
const RUNS = 2_400;

/** Text of every kind: controls, lone surrogates, non-BMP, long, JSON/SQL/path look-alikes. */
const text = anyText(40, [
  "",
  " ",
  "\u0000",
  "tea\u0000pot",
  "\u0085",
  "\ud800",
  "e\u0301",
  "🍵".repeat(101),
  "x".repeat(501),
  "' OR 1=1 --",
  "%",
  "_",
  "\\",
  "../..",
  "null",
  "-1",
  "1e3",
  "0193c0de-0000-7000-8000-000000000001",
]);

/** A URL component: percent-encoded text, or raw and possibly malformed escapes. */
const component = fc.oneof(
  { weight: 4, arbitrary: text.map((t) => encodeURIComponent(t.replace(/[\ud800-\udfff]/g, "x"))) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("%00", "%ZZ", "%", "%C0%80", "%ED%A0%80", "%FF", "a%2Fb", "%0A"),
  },
);

const number = fc.oneof(
  fc.integer(),
  fc.integer({ min: 0, max: 1_000 }),
  fc.double(),
  fc.constantFrom(-1, 0, 1, 1.5, 1e9 + 1, 2 ** 53),
);
const anything = anyFieldValue(text, number, 1);
const validField: Record<string, fc.Arbitrary<unknown>> = {
  name: fc.string({ minLength: 1, maxLength: 30 }),
  price: fc.integer({ min: 0, max: 1_000_000 }),
  quantity: fc.integer({ min: 1, max: 5 }),
  reason: fc.string({ maxLength: 30 }),
};
const bodyFor = (fields: readonly string[]) =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(
          fc.record(
            Object.fromEntries(
              fields.map((f) => [
                f,
                fc.oneof(
                  { weight: 3, arbitrary: validField[f] ?? anything },
                  { weight: 1, arbitrary: anything },
                ),
              ]),
            ),
            { requiredKeys: [] },
          ),
          fc.oneof(
            { weight: 4, arbitrary: fc.constant(null) },
            {
              weight: 1,
              arbitrary: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), anything),
            },
          ),
        )
        .map(([known, extra]) => JSON.stringify({ ...(extra ?? {}), ...known })),
    },
    { weight: 1, arbitrary: fc.constant("") },
    { weight: 1, arbitrary: fc.json({ maxDepth: 2 }).map((s) => s.slice(0, -1)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  );

/** Header values a client can send (HTTP forbids CR, LF and NUL, and fetch enforces it). */
const headerValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('"1"', '"2"', "*", 'W/"1"', '"1", "2"', '"', "", " ", "é", "a".repeat(300)),
);
const sendable = (v: string) => /^[\t\x20-\x7e\x80-\xff]*$/.test(v);
/** Each header is absent most of the time, so that accepted commands are common too. */
const sometimes = (value: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });
const headers = fc
  .record({
    "If-Match": sometimes(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('"1"', '"2"', '"3"', "*") },
        { weight: 1, arbitrary: headerValue },
      ),
    ),
    "If-None-Match": sometimes(headerValue),
    "Idempotency-Key": sometimes(
      fc.oneof(
        { weight: 3, arbitrary: fc.uuid() },
        { weight: 1, arbitrary: fc.oneof(headerValue, fc.constantFrom("k1", "k2")) },
      ),
    ),
    "X-Correlation-Id": sometimes(headerValue),
    "Content-Type": fc.oneof(
      { weight: 8, arbitrary: fc.constant("application/json") },
      {
        weight: 1,
        arbitrary: fc.constantFrom("text/plain", "application/x-www-form-urlencoded", ""),
      },
    ),
  })
  .map((h) =>
    Object.fromEntries(
      Object.entries(h).filter((e): e is [string, string] => e[1] !== undefined && sendable(e[1])),
    ),
  );

/** Control characters Postgres or a log would choke on, percent-encoded. */
const control = fc
  .tuple(fc.constantFrom("", "tea"), fc.constantFrom("%00", "%01", "%0A", "%7F", "%C2%85"))
  .map(([a, b]) => `${a}${b}`);

const queryString = (names: readonly string[]) =>
  fc
    .array(
      fc.tuple(
        fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom(...names) },
          { weight: 1, arbitrary: component },
        ),
        fc.oneof(
          { weight: 3, arbitrary: component },
          { weight: 2, arbitrary: fc.integer({ min: -5, max: 200 }).map(String) },
          { weight: 1, arbitrary: control },
        ),
      ),
      { maxLength: 2 },
    )
    .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}`));

type Case = { readonly method: string; readonly path: string; readonly body?: string };

describe("fuzzing every route of both APIs", () => {
  let h: Harness;
  let model: TestReadModel;
  let query: ReturnType<typeof createQueryApi>;
  let itemId: string;
  /** Discontinuing freezes an item: that route gets an item of its own. */
  let frozenId: string;
  const versions = new Map<string, number>();
  let expectedJournal: number;

  beforeAll(async () => {
    [h, model] = await Promise.all([createCommandApiHarness(), createTestReadModel()]);
    // A short read-your-writes wait: a `minVersion` the read model never reaches answers soon.
    query = createQueryApi({ db: model.db, access: presetCaller(), readYourWritesTimeoutMs: 20 });
    itemId = await h.register(1_000);
    frozenId = await h.register();
    versions.set(itemId, 2).set(frozenId, 1);
    expectedJournal = await h.journalSize();
    await model.db.query(
      `INSERT INTO "${model.schema}"."items" VALUES ($1, 'Tea', 450, 1000, 'Active', 2, now(), now())`,
      [itemId],
    );
  });
  afterAll(async () => {
    await Promise.all([h.drop(), model.drop()]);
  });

  const id = (known = itemId) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(known) },
      { weight: 1, arbitrary: fc.uuid().map((u) => u.toLowerCase()) },
      { weight: 1, arbitrary: component },
    );
  const verbs: Record<string, readonly string[]> = {
    rename: ["name"],
    "change-price": ["price"],
    "receive-stock": ["quantity"],
    "ship-stock": ["quantity"],
    discontinue: ["reason"],
  };
  const method = (usual: string) =>
    fc.oneof(
      { weight: 9, arbitrary: fc.constant(usual) },
      { weight: 1, arbitrary: fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS") },
    );

  // Built once the item exists (its id is one of the generated path ids).
  const routes = (): fc.Arbitrary<Case> =>
    fc.oneof(
      fc
        .tuple(method("POST"), bodyFor(["name", "price"]))
        .map(([m, body]) => ({ method: m, path: "/commands/items", body })),
      fc
        .constantFrom(...Object.keys(verbs))
        .chain((verb) =>
          fc.tuple(
            method("POST"),
            id(verb === "discontinue" ? frozenId : itemId),
            fc.constant(verb),
          ),
        )
        .chain(([m, i, verb]) =>
          bodyFor(verbs[verb] ?? []).map((body) => ({
            method: m,
            path: `/commands/items/${i}/${verb}`,
            body,
          })),
        ),
      fc
        .tuple(method("GET"), fc.constantFrom("/commands/healthz", "/commands/openapi.json"))
        .map(([m, path]) => ({ method: m, path })),
      fc
        .tuple(method("GET"), queryString(["limit", "cursor", "status", "q"]))
        .map(([m, qs]) => ({ method: m, path: `/queries/items${qs}` })),
      fc
        .tuple(method("GET"), id(), queryString(["minVersion"]))
        .map(([m, i, qs]) => ({ method: m, path: `/queries/items/${i}${qs}` })),
      fc
        .tuple(method("GET"), id(), queryString(["limit", "cursor", "minVersion"]))
        .map(([m, i, qs]) => ({ method: m, path: `/queries/items/${i}/history${qs}` })),
      fc
        .tuple(
          method("GET"),
          fc.constantFrom("/queries/inventory", "/queries/healthz", "/queries/openapi.json"),
          queryString(["x"]),
        )
        .map(([m, path, qs]) => ({ method: m, path: `${path}${qs}` })),
    );

  it(`answers ${RUNS} generated requests without a 5xx, with problem+json for every 4xx, and writes only what it accepted`, async () => {
    const seen = new Map<number, number>();
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(routes(), headers, async (c, hs) => {
        const app = c.path.startsWith("/commands") ? h.app : query;
        const res = await app.request(c.path, {
          method: c.method,
          headers: hs,
          body: ["GET", "HEAD"].includes(c.method) ? undefined : c.body,
        });
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        if (c.method === "POST" && res.status < 300) accepted += 1;
        if (res.status === 504) {
          expect(c.path).toMatch(/minVersion=/);
          expect(res.headers.get("retry-after")).toBe("1");
          if (c.method === "HEAD") return;
          expect(await res.json()).toMatchObject({ type: `${PROBLEM_BASE}read-model-lagging` });
          return;
        }
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) return expectAnyProblem(res, c.method);
        if (c.method !== "POST" || !c.path.startsWith("/commands/items")) return;
        if (res.headers.get("idempotent-replayed") === "true") return;
        const answer = (await res.json()) as { itemId: string; version: number };
        if (res.status === 201) expectedJournal += 1;
        else {
          const before = versions.get(answer.itemId) ?? 0;
          if (answer.version > before) {
            expectedJournal += answer.version - before;
            versions.set(answer.itemId, answer.version);
          }
        }
      }),
      { numRuns: RUNS },
    );
    expect(await h.journalSize()).toBe(expectedJournal);
    console.info("statuses over", RUNS, "cases:", Object.fromEntries([...seen].sort()), accepted);
    const count = (min: number) =>
      [...seen].filter(([s]) => s >= min && s < min + 100).reduce((n, [, k]) => n + k, 0);
    // The generators reach both accepted and refused requests on both APIs.
    expect(count(200)).toBeGreaterThan(RUNS / 20);
    expect(accepted).toBeGreaterThan(RUNS / 100);
    expect(count(400)).toBeGreaterThan(RUNS / 5);
  }, 300_000); // thousands of real requests: generous on a loaded 2-core CI machine; nothing here is timed
});
