/**
 * DynamoDB on-demand units computed from AWS's documented billing rules, on the requests a real
 * client sends (observed by middleware, never mocked): DynamoDB Local reports ConsumedCapacity
 * right for PutItem and GetItem but not for transactions (always 4), so the emulator cannot be
 * the meter. Rules (developer guide, "DynamoDB item sizes and formats" and "read and write
 * operations"; checked 2026-12-01):
 * - item size = Σ (UTF-8 bytes of the attribute name + value size); S: UTF-8 bytes; N: 1 byte per
 *   two significant digits + 1; B: raw bytes; BOOL/NULL: 1; L/M: 3 + Σ (element size + 1).
 * - write (PutItem, UpdateItem, DeleteItem): 1 unit per started KB of the larger of the item
 *   before and after; in TransactWriteItems: 2 units per started KB, per item.
 * - read: strongly consistent 1 unit per started 4 KB, eventually consistent ½; a Query sums the
 *   sizes of every item it returns and rounds the total up once; an empty read still costs the
 *   minimum (1 or ½).
 * - a write that changes a global secondary index's entry also writes the index: 1 unit per
 *   started KB of the projected entry (2 writes when the index key changes). Assumed at the
 *   standard rate inside transactions too (the lower bound for an indexed design).
 */
import {
  type AttributeValue,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
} from "@aws-sdk/client-dynamodb";

type Item = Record<string, AttributeValue>;

const utf8 = (s: string): number => Buffer.byteLength(s, "utf8");

/** Size of a number as DynamoDB stores it: significant digits, two per byte, plus one. */
export const numberSize = (n: string): number => {
  const digits = n.replace(/^[-+]/, "").replace(/e.*$/i, "").replace(".", "");
  const significant = digits.replace(/^0+/, "").replace(/0+$/, "");
  return Math.ceil(Math.max(significant.length, 1) / 2) + 1;
};

export const valueSize = (v: AttributeValue): number => {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS) return v.SS.reduce((a, s) => a + utf8(s), 0);
  if (v.NS) return v.NS.reduce((a, s) => a + numberSize(s), 0);
  if (v.BS) return v.BS.reduce((a, b) => a + b.byteLength, 0);
  if (v.L) return 3 + v.L.reduce((a, e) => a + valueSize(e) + 1, 0);
  if (v.M) return 3 + Object.entries(v.M).reduce((a, [k, e]) => a + utf8(k) + valueSize(e) + 1, 0);
  return 0;
};

export const itemSize = (item: Item | undefined): number =>
  item ? Object.entries(item).reduce((a, [k, v]) => a + utf8(k) + valueSize(v), 0) : 0;

const KB = 1024;
export const writeUnits = (bytes: number, transactional = false): number =>
  Math.max(1, Math.ceil(bytes / KB)) * (transactional ? 2 : 1);
export const readUnits = (bytes: number, consistent: boolean): number =>
  Math.max(1, Math.ceil(bytes / (4 * KB))) * (consistent ? 1 : 0.5);

/** What one request cost, by table (index writes are charged to their table). */
export interface UnitCharge {
  /** Which request (a counter): several items of one transaction share it. */
  readonly request: number;
  readonly operation: string;
  readonly table: string;
  readonly read: number;
  readonly write: number;
}

interface IndexShape {
  readonly name: string;
  readonly keys: readonly string[];
}
interface TableShape {
  readonly keys: readonly string[];
  readonly indexes: readonly IndexShape[];
}

/** Index writes for one item going from `before` to `after` (projection ALL assumed). */
export const indexWriteUnits = (
  indexes: readonly IndexShape[],
  before: Item | undefined,
  after: Item | undefined,
): number => {
  let units = 0;
  for (const index of indexes) {
    const inBefore = before !== undefined && index.keys.every((k) => before[k] !== undefined);
    const inAfter = after !== undefined && index.keys.every((k) => after[k] !== undefined);
    if (!inBefore && !inAfter) continue;
    const keyChanged =
      inBefore &&
      inAfter &&
      index.keys.some((k) => JSON.stringify(before?.[k]) !== JSON.stringify(after?.[k]));
    if (inBefore && inAfter && !keyChanged) {
      units += writeUnits(Math.max(itemSize(before), itemSize(after)));
    } else {
      if (inBefore) units += writeUnits(itemSize(before));
      if (inAfter) units += writeUnits(itemSize(after));
    }
  }
  return units;
};

type WriteRequest = { table: string; key: Item; transactional: boolean; operation: string };

/**
 * Meters every request `client` sends. Item sizes before and after each write are read with
 * `peek` (a second, unmetered client; measurement only): the rules bill the larger of the two.
 */
export const meterUnits = (client: DynamoDBClient, peek: DynamoDBClient) => {
  const charges: UnitCharge[] = [];
  let requests = 0;
  const shapes = new Map<string, Promise<TableShape>>();
  const shapeOf = (table: string): Promise<TableShape> => {
    let s = shapes.get(table);
    if (!s) {
      s = peek.send(new DescribeTableCommand({ TableName: table })).then(({ Table }) => ({
        keys: (Table?.KeySchema ?? []).map((k) => k.AttributeName ?? ""),
        indexes: (Table?.GlobalSecondaryIndexes ?? []).map((g) => ({
          name: g.IndexName ?? "",
          keys: (g.KeySchema ?? []).map((k) => k.AttributeName ?? ""),
        })),
      }));
      shapes.set(table, s);
    }
    return s;
  };
  const current = (table: string, key: Item) =>
    peek
      .send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))
      .then((o) => o.Item);
  const keyOf = async (table: string, item: Item): Promise<Item> => {
    const { keys } = await shapeOf(table);
    return Object.fromEntries(keys.map((k) => [k, item[k] as AttributeValue]));
  };

  // biome-ignore lint/suspicious/noExplicitAny: inputs of every command pass through here.
  const writesOf = async (op: string, input: any): Promise<WriteRequest[]> => {
    if (op === "PutItem")
      return [
        {
          table: input.TableName,
          key: await keyOf(input.TableName, input.Item),
          transactional: false,
          operation: op,
        },
      ];
    if (op === "UpdateItem" || op === "DeleteItem")
      return [{ table: input.TableName, key: input.Key, transactional: false, operation: op }];
    if (op === "TransactWriteItems") {
      const out: WriteRequest[] = [];
      for (const t of input.TransactItems ?? []) {
        if (t.Put)
          out.push({
            table: t.Put.TableName,
            key: await keyOf(t.Put.TableName, t.Put.Item),
            transactional: true,
            operation: op,
          });
        const other = t.Update ?? t.Delete ?? t.ConditionCheck;
        if (other)
          out.push({ table: other.TableName, key: other.Key, transactional: true, operation: op });
      }
      return out;
    }
    return [];
  };

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const op = String(context.commandName).replace(/Command$/, "");
      const request = ++requests;
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      const input = args.input as any;
      const writes = await writesOf(op, input);
      const before = await Promise.all(writes.map((w) => current(w.table, w.key)));
      const out = await next(args);
      for (const [i, w] of writes.entries()) {
        const after = await current(w.table, w.key);
        const size = Math.max(itemSize(before[i]), itemSize(after));
        const { indexes } = await shapeOf(w.table);
        charges.push({
          request,
          operation: w.operation,
          table: w.table,
          read: 0,
          write: writeUnits(size, w.transactional) + indexWriteUnits(indexes, before[i], after),
        });
      }
      // biome-ignore lint/suspicious/noExplicitAny: outputs of every command pass through here.
      const output = (out as any).output;
      if (op === "GetItem") {
        charges.push({
          request,
          operation: op,
          table: input.TableName,
          read: readUnits(itemSize(output?.Item), input.ConsistentRead === true),
          write: 0,
        });
      }
      if (op === "Query") {
        const bytes = (output?.Items ?? []).reduce((a: number, it: Item) => a + itemSize(it), 0);
        charges.push({
          request,
          operation: input.IndexName ? `Query (index)` : op,
          table: input.TableName,
          read: readUnits(bytes, input.ConsistentRead === true),
          write: 0,
        });
      }
      return out;
    },
    { step: "initialize", name: "unitMeter" },
  );
  return {
    /** Everything charged since the last call, and forget it. */
    take(): UnitCharge[] {
      return charges.splice(0);
    },
  };
};

/** Units summed, and the requests that carried them ("PutItem", "2 × Query (index)", …). */
export const sumUnits = (charges: readonly UnitCharge[]) => {
  const seen = new Set<number>();
  const counts = new Map<string, number>();
  for (const c of charges) {
    if (seen.has(c.request)) continue;
    seen.add(c.request);
    counts.set(c.operation, (counts.get(c.operation) ?? 0) + 1);
  }
  return {
    read: charges.reduce((a, c) => a + c.read, 0),
    write: charges.reduce((a, c) => a + c.write, 0),
    requests: [...counts].map(([op, n]) => (n === 1 ? op : `${n} × ${op}`)).join(" + "),
  };
};
