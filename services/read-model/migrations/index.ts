import { CreateItems1764400000000 } from "./1764400000000-create-items.js";
import { HistoryAndTotals1764500000000 } from "./1764500000000-history-and-totals.js";
import { NameSearchIndex1764600000000 } from "./1764600000000-name-search-index.js";
import { HistoryActor1764700000000 } from "./1764700000000-history-actor.js";

/** Every migration, oldest first. */
export const readModelMigrations = [
  CreateItems1764400000000,
  HistoryAndTotals1764500000000,
  NameSearchIndex1764600000000,
  HistoryActor1764700000000,
];
