import type { Decider } from "../shared/decider.js";
import type { ItemCommand } from "./commands.js";
import { decide, type ItemRejection } from "./decide.js";
import type { ItemEvent } from "./events.js";
import { evolve, type ItemState, initialState } from "./state.js";

/** The Item aggregate as one decider: `decide`, `evolve`, `initialState`. */
export const itemDecider: Decider<ItemState, ItemCommand, ItemEvent, ItemRejection> = {
  decide,
  evolve,
  initialState,
};
