import type { AccessControl } from "../../services/auth/bearer.js";
import type { Clock } from "../../services/clock/clock.js";
import { createCommandApi } from "../../services/command-api/app.js";
import type { AdmissionLimits } from "../../services/command-handling/per-key-queue.js";
import type { ConflictRetryPolicy } from "../../services/command-handling/retry-policy.js";
import { DynamoDbEventStore } from "../../services/event-store/dynamodb-event-store.js";
import { DynamoDbItemRepository } from "../../services/event-store/dynamodb-item-repository.js";
import type { ItemRepository } from "../../services/event-store/item-repository.js";
import type { LoadSheddingOptions } from "../../services/http/load-shedding.js";
import {
  idempotencyTable,
  journalTable,
  snapshotsTable,
} from "../../services/tables/definitions.js";
import type { TestTables } from "./infra.js";
import { createTestTables, tableName } from "./infra.js";
import { memoryLogger } from "./memory-logger.js";
import { presetCaller } from "./preset-caller.js";
import { countItems } from "./table-count.js";

export interface HarnessOptions {
  readonly retry?: ConflictRetryPolicy;
  readonly cache?: boolean;
  /** Wraps the real repository, e.g. to interleave a competing writer. */
  readonly wrap?: (repository: ItemRepository) => ItemRepository;
  readonly isDraining?: () => boolean;
  /** Per-item queue depth and global in-flight cap (the app's defaults otherwise). */
  readonly admission?: AdmissionLimits;
  readonly requestDeadlineMs?: number;
  readonly clock?: Clock;
  /** Share another harness's tables (a second process on the same data); not dropped here. */
  readonly tables?: TestTables;
  /** Load shedding on event-loop delay (off by default). */
  readonly shedding?: LoadSheddingOptions;
  /** The door; by default every request acts as TEST_CALLER. */
  readonly access?: AccessControl;
}

export type Harness = Awaited<ReturnType<typeof createCommandApiHarness>>;

/** The real command API over its own DynamoDB Local tables, driven with `app.request`. */
export const createCommandApiHarness = async (options: HarnessOptions = {}) => {
  const tables: TestTables =
    options.tables ?? (await createTestTables([journalTable, snapshotsTable, idempotencyTable]));
  const journalName = tableName(tables, "journal");
  const real = new DynamoDbItemRepository({
    client: tables.client,
    tableNames: {
      journal: journalName,
      snapshots: tableName(tables, "snapshots"),
      idempotency: tableName(tables, "idempotency"),
    },
    ...(options.cache === false ? {} : { cache: { maxItems: 1000 } }),
  });
  const repository = options.wrap ? options.wrap(real) : real;
  const { logger, lines: logs } = memoryLogger("command-api");
  const app = createCommandApi({
    repository,
    access: options.access ?? presetCaller(),
    retry: options.retry,
    logger,
    isDraining: options.isDraining,
    admission: options.admission,
    requestDeadlineMs: options.requestDeadlineMs,
    clock: options.clock,
    shedding: options.shedding,
  });
  const journal = new DynamoDbEventStore({ client: tables.client, journalTableName: journalName });

  const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });

  /** Registers an item (and receives `stock` units); returns its id. */
  const register = async (stock = 0, name = "Tea"): Promise<string> => {
    const res = await post("/commands/items", { name, price: 450 });
    if (res.status !== 201) throw new Error(`register answered ${res.status}`);
    const { itemId } = (await res.json()) as { itemId: string };
    if (stock > 0) {
      const r = await post(`/commands/items/${itemId}/receive-stock`, { quantity: stock });
      if (r.status !== 200) throw new Error(`receive-stock answered ${r.status}`);
    }
    return itemId;
  };

  /** Rows in the whole journal (every item). */
  const journalSize = () => countItems(tables.client, journalName);

  return {
    app,
    tables,
    logs,
    journal,
    repository,
    post,
    register,
    journalSize,
    drop: options.tables ? async () => {} : tables.drop,
  };
};
