/**
 * Units per command (not a timing): DynamoDB write and read units under AWS's on-demand billing
 * rules for each command type, computed on the requests actually sent (bench/support/
 * dynamodb-units.ts meters a real client), for the command API (warm: state cache on, the
 * default; cold: no cache) and for event-store-adapter-js 2.2.94 doing the equivalent (load +
 * persist, as its examples do). `npx tsx bench/units.bench.ts [--quick] [--no-write]`; writes
 * "## Units per command" in docs/benchmarks.md and the units into scripts/cost/measured.json (not
 * in quick mode).
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type Aggregate, type Event, EventStoreFactory } from "event-store-adapter-js";
import { v7 as uuidv7 } from "uuid";
import { startDynamoDbLocal } from "../dev/dynamodb-local.js";
import { createCommandApi } from "../services/command-api/app.js";
import { dynamoDbClient } from "../services/config/aws-clients.js";
import { DynamoDbItemRepository } from "../services/event-store/dynamodb-item-repository.js";
import { allTables } from "../services/tables/definitions.js";
import { ensureTables } from "../services/tables/provision.js";
import { presetCaller } from "../test/support/preset-caller.js";
import { createJ5Tables, J5ItemId, type Json, j5EventFromJson } from "./event-store-j5ik2o.js";
import { benchArgs } from "./support/args.js";
import { writeDocSection } from "./support/doc-section.js";
import { meterUnits, sumUnits, type UnitCharge } from "./support/dynamodb-units.js";
import { emitResult } from "./support/result.js";

const SNAPSHOT_EVERY = 100;
const measuredPath = new URL("../scripts/cost/measured.json", import.meta.url);
const args = benchArgs();

type Units = { read: number; write: number; requests: string };
const summarize = (charges: readonly UnitCharge[]): Units => sumUnits(charges);

interface Scenario {
  readonly command: string;
  readonly path: (id: string) => string;
  readonly body: unknown;
  /** Events the item holds before the measured command (0 = the command registers it). */
  readonly before: number;
}
/** A command on an existing item, posted to /commands/items/{id}/`route`. */
const onItem = (command: string, route: string, body: unknown, before = 2): Scenario => ({
  command,
  path: (id) => `/commands/items/${id}/${route}`,
  body,
  before,
});
const scenarios: readonly Scenario[] = [
  {
    command: "register",
    path: () => "/commands/items",
    body: { name: "Teapot", price: 1999 },
    before: 0,
  },
  onItem("rename", "rename", { name: "Big teapot" }),
  onItem("change price", "change-price", { price: 2499 }),
  onItem("receive stock", "receive-stock", { quantity: 3 }),
  onItem("ship stock", "ship-stock", { quantity: 1 }),
  onItem("discontinue", "discontinue", { reason: "end of line" }),
  onItem(
    `receive stock, snapshot due (event ${SNAPSHOT_EVERY})`,
    "receive-stock",
    { quantity: 3 },
    SNAPSHOT_EVERY - 1,
  ),
];

// ---- ours: the command API in process (app.request, no listening socket), metered client ----

const ours = async (client: DynamoDBClient, tables: Record<string, string>) => {
  const repository = new DynamoDbItemRepository({
    client,
    tableNames: {
      journal: tables.journal ?? "",
      snapshots: tables.snapshots ?? "",
      idempotency: tables.idempotency ?? "",
    },
    snapshotEvery: SNAPSHOT_EVERY,
    cache: { maxItems: 10_000 },
  });
  // Storage units only: the door is not measured here (every request acts as one test caller).
  const app = createCommandApi({ repository, access: presetCaller() });
  return async (path: string, body: unknown, key?: string) => {
    const res = await app.request(path, {
      method: "POST",
      headers: { "content-type": "application/json", ...(key ? { "idempotency-key": key } : {}) },
      body: JSON.stringify(body),
    });
    if (res.status !== 200 && res.status !== 201)
      throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { itemId: string };
  };
};

// ---- event-store-adapter-js: the same item (same fields, JSON), load + persist per command ----

class J5Event implements Event<J5ItemId> {
  constructor(
    readonly typeName: string,
    readonly id: string,
    readonly aggregateId: J5ItemId,
    readonly sequenceNumber: number,
    readonly occurredAt: Date,
    readonly isCreated: boolean,
    readonly correlationId: string,
    readonly causationId: string,
    readonly data: Record<string, unknown>,
  ) {}
}
class J5Full implements Aggregate<J5Full, J5ItemId> {
  readonly typeName = "Item";
  constructor(
    readonly id: J5ItemId,
    readonly sequenceNumber: number,
    readonly version: number,
    readonly name: string,
    readonly price: number,
    readonly stock: number,
    readonly status: string,
  ) {}
  withVersion(v: number): J5Full {
    const { id, sequenceNumber, name, price, stock, status } = this;
    return new J5Full(id, sequenceNumber, v, name, price, stock, status);
  }
  updateVersion(f: (v: number) => number): J5Full {
    return this.withVersion(f(this.version));
  }
  apply(e: J5Event): J5Full {
    const d = e.data as { name?: string; price?: number; quantity?: number };
    const stock =
      this.stock +
      (e.typeName === "StockReceived" ? (d.quantity ?? 0) : 0) -
      (e.typeName === "StockShipped" ? (d.quantity ?? 0) : 0);
    return new J5Full(
      this.id,
      e.sequenceNumber,
      this.version,
      d.name ?? this.name,
      d.price ?? this.price,
      stock,
      e.typeName === "ItemDiscontinued" ? "Discontinued" : "Active",
    );
  }
}
const toItem = (j: Json): J5Full => {
  const d = j.data;
  return new J5Full(
    new J5ItemId(d.id.value),
    d.sequenceNumber,
    d.version,
    d.name,
    d.price,
    d.stock,
    d.status,
  );
};

const j5Events: Record<string, [string, Record<string, unknown>]> = {
  register: ["ItemRegistered", { name: "Teapot", price: 1999 }],
  rename: ["ItemRenamed", { name: "Big teapot" }],
  "change price": ["ItemPriceChanged", { price: 2499 }],
  "receive stock": ["StockReceived", { quantity: 3 }],
  "ship stock": ["StockShipped", { quantity: 1 }],
  discontinue: ["ItemDiscontinued", { reason: "end of line" }],
};

const j5 = async (client: DynamoDBClient, prefix: string) => {
  const t = await createJ5Tables(client, prefix);
  const store = EventStoreFactory.ofDynamoDB<J5ItemId, J5Full, J5Event>(
    client,
    t.journal,
    t.snapshot,
    t.journalIndex,
    t.snapshotIndex,
    32,
    j5EventFromJson<J5Event>,
    toItem,
  );
  const event = (item: J5Full, kind: string, seq: number) => {
    const [type, data] = j5Events[kind] ?? j5Events["receive stock"] ?? ["StockReceived", {}];
    return new J5Event(
      type,
      uuidv7(),
      item.id,
      seq,
      new Date(),
      seq === 1,
      uuidv7(),
      uuidv7(),
      data,
    );
  };
  /** A command as the library's examples run one: load (snapshot, then events), decide, persist. */
  const command = async (id: J5ItemId | undefined, kind: string, snapshot: boolean) => {
    if (!id) {
      const fresh = new J5Full(new J5ItemId(uuidv7()), 0, 1, "", 0, 0, "NotRegistered");
      const e = event(fresh, kind, 1);
      await store.persistEventAndSnapshot(e, fresh.apply(e));
      return fresh.id;
    }
    const latest = await store.getLatestSnapshotById(id);
    if (!latest) throw new Error("adapter: no snapshot");
    const events = await store.getEventsByIdSinceSequenceNumber(id, latest.sequenceNumber + 1);
    const item = events.reduce((s, e) => s.apply(e), latest);
    const e = event(item, kind, item.sequenceNumber + 1);
    if (snapshot) await store.persistEventAndSnapshot(e, item.apply(e));
    else await store.persistEvent(e, item.version);
    return id;
  };
  return command;
};

// ---- the run ----

interface Row {
  readonly command: string;
  readonly key: boolean;
  readonly warm: Units;
  readonly cold: Units;
  readonly adapter: Units | undefined;
}

const main = async () => {
  const local = await startDynamoDbLocal();
  try {
    const client = dynamoDbClient({ endpoint: local.endpoint });
    const peek = dynamoDbClient({ endpoint: local.endpoint });
    const meter = meterUnits(client, peek);
    const tables = await ensureTables(peek, "units-", allTables);
    const warm = await ours(client, tables);
    // Cold: another task (its own cache) that has not seen the item yet.
    const cold = await ours(client, tables);
    const adapter = await j5(client, "units-");

    /** Sets the item up through `warm`, then measures the command sent through `send`. */
    const measureOurs = async (send: typeof warm, s: Scenario, key: boolean) => {
      let id = "";
      for (let v = 0; v < s.before; v++) {
        const r = await warm(
          v === 0 ? "/commands/items" : `/commands/items/${id}/receive-stock`,
          v === 0 ? { name: "Teapot", price: 1999 } : { quantity: 5 },
        );
        if (v === 0) id = r.itemId;
      }
      meter.take();
      await send(s.path(id), s.body, key ? uuidv7() : undefined);
      return summarize(meter.take());
    };
    const measureAdapter = async (s: Scenario) => {
      let id: J5ItemId | undefined;
      for (let v = 0; v < s.before; v++)
        id = await adapter(id, v === 0 ? "register" : "receive stock", false);
      meter.take();
      const kind = Object.keys(j5Events).find((k) => s.command.startsWith(k)) ?? "receive stock";
      await adapter(id, kind, s.before === SNAPSHOT_EVERY - 1 || s.before === 0);
      return summarize(meter.take());
    };

    const rows: Row[] = [];
    for (const s of scenarios) {
      const adapterUnits = await measureAdapter(s);
      for (const key of [false, true]) {
        rows.push({
          command: s.command,
          key,
          warm: await measureOurs(warm, s, key),
          cold: await measureOurs(cold, s, key),
          adapter: key ? undefined : adapterUnits,
        });
      }
    }
    client.destroy();
    peek.destroy();
    report(rows);
  } finally {
    await local.stop();
  }
};

const total = (u: Units) => u.read + u.write;
const fmt = (u: Units) => `${u.write} / ${u.read}`;

const report = (rows: readonly Row[]) => {
  const adapterOf = (r: Row) => rows.find((x) => x.command === r.command && !x.key)?.adapter;
  const lines = [
    "## Units per command",
    "",
    `Command: \`npx tsx bench/units.bench.ts\` (${new Date().toISOString().slice(0, 10)}). DynamoDB on-demand **write / read units** per command, computed from AWS's billing rules on the requests and item sizes actually sent (a metering middleware on the real SDK client: \`bench/support/dynamodb-units.ts\`; the rules are cross-checked against DynamoDB Local's ConsumedCapacity for PutItem and GetItem in \`test/integration/dynamodb-units.int.test.ts\`). Ours: the command API in process, snapshot every ${SNAPSHOT_EVERY}; *warm* = the item's state is in the task's cache (the default \`STATE_CACHE_ITEMS\`), *cold* = another task whose cache has not seen the item yet (after a deploy, a scale-out or an eviction). Adapter: event-store-adapter-js 2.2.94 as its examples run a command: load (snapshot GSI query + journal GSI query, eventually consistent), then \`persistEvent\` (journal Put + snapshot Update, one transaction, both tables with a GSI) or \`persistEventAndSnapshot\`; it has no idempotency keys.`,
    "",
    "| Command | Idempotency-Key | ours warm (W / R) | ours cold (W / R) | adapter (W / R) | warm ÷ adapter (all units) |",
    "|---|---|---:|---:|---:|---:|",
    ...rows.map((r) => {
      const a = adapterOf(r);
      const ratio = a ? (total(r.warm) / total(a)).toFixed(2) : "";
      return `| ${r.command} | ${r.key ? "yes" : "no"} | ${fmt(r.warm)} | ${fmt(r.cold)} | ${a ? fmt(a) : ""} | ${ratio} |`;
    }),
    "",
    "Reading: a single-event command without a key is one conditional `PutItem` (1 write unit for an item under 1 KB); with a key, the event and the idempotency row are one transaction (2 items × 2 units); a due snapshot is its own `PutItem` after the event. A cold command adds a consistent `GetItem` (snapshot) and a consistent `Query` of the events after it (1 read unit per started 4 KB: ≈ 13 events of ≈ 300 bytes). The adapter pays 2 units for each of its two transactional items plus 1 for each GSI entry it changes, on every command, plus its two GSI reads (½ each).",
    "",
  ];
  const section = lines.join("\n");
  console.log(section);
  const { quick, write } = args;
  if (write) {
    writeDocSection("## Units per command", section);
    const measured = JSON.parse(readFileSync(measuredPath, "utf8")) as Record<string, unknown>;
    measured.unitsPerCommand = {
      source: "npx tsx bench/units.bench.ts",
      date: new Date().toISOString().slice(0, 10),
      rows: rows.map((r) => ({ ...r, adapter: adapterOf(r) })),
    };
    writeFileSync(measuredPath, `${JSON.stringify(measured, null, 2)}\n`);
    console.log("wrote scripts/cost/measured.json (unitsPerCommand)");
  }
  const single = rows.find((r) => r.command === "receive stock" && !r.key);
  const a = single && adapterOf(single);
  emitResult({
    bench: "units",
    quick,
    rows: [
      {
        figure: "warm single-event command, units / event-store-adapter-js units",
        value: single && a ? Math.round((total(single.warm) / total(a)) * 100) / 100 : null,
        unit: "×",
        goal: "≤ 0.3",
        note:
          single && a ? `${fmt(single.warm)} vs ${fmt(a)} (write / read units)` : "not measured",
      },
    ],
  });
};

await main();
