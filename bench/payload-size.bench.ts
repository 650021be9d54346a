// Figure 6: bytes of the protobuf journal payload vs the same events as JSON.
// Run alone: npx tsx bench/payload-size.bench.ts [--quick]
import { v7 as uuidv7 } from "uuid";
import type { ItemEvent } from "../services/domain/item/index.js";
import type {
  DiscontinueReason,
  ItemId,
  ItemName,
  Price,
  Quantity,
} from "../services/domain/item/values.js";
import {
  CURRENT_SCHEMA_VERSION,
  encodeEvent,
  type StoredEvent,
} from "../services/event-store/codec.js";
import { benchArgs, seededRandom } from "./support/args.js";
import { emitResult } from "./support/result.js";
import { round } from "./support/stats.js";

const args = benchArgs();
const items = args.quick ? 200 : 5_000;
const random = seededRandom(6);
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const words = [
  "green",
  "tea",
  "oolong",
  "cup",
  "kettle",
  "matcha",
  "sencha",
  "bowl",
  "whisk",
  "tin",
];
const name = () =>
  Array.from({ length: int(1, 4) }, () => words[int(0, words.length - 1)]).join(" ") as ItemName;

/** A plausible life of one item: registered, renamed or repriced now and then, stock in and out. */
const lifeOf = (itemId: ItemId): ItemEvent[] => {
  const events: ItemEvent[] = [
    { type: "ItemRegistered", data: { itemId, name: name(), price: int(100, 99_999) as Price } },
  ];
  for (let i = int(2, 20); i > 0; i--) {
    const r = random();
    if (r < 0.05) events.push({ type: "ItemRenamed", data: { name: name() } });
    else if (r < 0.15)
      events.push({ type: "ItemPriceChanged", data: { price: int(100, 99_999) as Price } });
    else if (r < 0.55)
      events.push({ type: "StockReceived", data: { quantity: int(1, 500) as Quantity } });
    else events.push({ type: "StockShipped", data: { quantity: int(1, 20) as Quantity } });
  }
  if (random() < 0.1)
    events.push({
      type: "ItemDiscontinued",
      data: { reason: "replaced by a new model" as DiscontinueReason },
    });
  return events;
};

const stored: StoredEvent[] = [];
const start = Date.UTC(2026, 0, 1);
for (let n = 0; n < items; n++) {
  const itemId = uuidv7() as ItemId;
  const correlationId = uuidv7();
  for (const [i, event] of lifeOf(itemId).entries()) {
    stored.push({
      metadata: {
        eventId: uuidv7(),
        aggregateId: itemId,
        sequenceNumber: i + 1,
        occurredAt: new Date(start + n * 60_000 + i * 1_000 + int(0, 999)),
        correlationId,
        causationId: uuidv7(),
        eventType: event.type,
        schemaVersion: CURRENT_SCHEMA_VERSION,
      },
      event,
    });
  }
}

// The JSON a JSON-payload store would keep for the same event: the same fields, same names.
const jsonBytes = (e: StoredEvent) => Buffer.byteLength(JSON.stringify(e), "utf8");
const byType = new Map<string, { proto: number; json: number; count: number }>();
let proto = 0;
let json = 0;
for (const e of stored) {
  const p = encodeEvent(e).byteLength;
  const j = jsonBytes(e);
  proto += p;
  json += j;
  const t = byType.get(e.event.type) ?? { proto: 0, json: 0, count: 0 };
  byType.set(e.event.type, { proto: t.proto + p, json: t.json + j, count: t.count + 1 });
}

// What-if: the four UUID strings (36 bytes each) as 16-byte `bytes` fields, to size the main lever.
const uuidSaving = 4 * (36 - 16);
const ratio = proto / json;
console.log(`payload size: ${stored.length} events of ${items} items`);
console.log(
  `  protobuf ${proto} B (${round(proto / stored.length)} B/event), JSON ${json} B (${round(json / stored.length)} B/event), ratio ${round(ratio)}`,
);
for (const [type, t] of byType) {
  console.log(
    `  ${type.padEnd(17)} ${String(t.count).padStart(6)}  protobuf ${round(t.proto / t.count)} B  JSON ${round(t.json / t.count)} B  ratio ${round(t.proto / t.json)}`,
  );
}

emitResult({
  bench: "payload-size",
  quick: args.quick,
  rows: [
    {
      figure: "6. payload size: protobuf bytes / JSON bytes",
      value: round(ratio),
      unit: "×",
      goal: "≤ 0.5",
      note: `${stored.length} events; ${round(proto / stored.length)} vs ${round(json / stored.length)} B/event`,
    },
    {
      figure: "6. what-if: UUIDs as 16-byte fields",
      value: round((proto - uuidSaving * stored.length) / json),
      unit: "×",
      note: "estimate, not the current format: four 36-char UUID strings are most of each event",
    },
  ],
});
