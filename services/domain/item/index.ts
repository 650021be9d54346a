export * from "./commands.js";
export * from "./decide.js";
export * from "./events.js";
export * from "./requests.js";
export * from "./state.js";
export * from "./values.js";

import type { Decider } from "../shared/decider.js";
import type { ItemCommand } from "./commands.js";
import { decide, type ItemRejection } from "./decide.js";
import type { ItemEvent } from "./events.js";
import { evolve, type ItemState, initialState } from "./state.js";

/** The Item aggregate as one decider. */
export const itemDecider: Decider<ItemState, ItemCommand, ItemEvent, ItemRejection> = {
  decide,
  evolve,
  initialState,
};

/** Bumped whenever `evolve` or `ItemState` changes meaning: older snapshots are then ignored. */
export const ITEM_STATE_VERSION = 1;
