export * from "./commands.js";
export * from "./decide.js";
export * from "./decider.js";
export * from "./events.js";
export * from "./requests.js";
export * from "./state.js";
export * from "./values.js";

/** Bumped whenever `evolve` or `ItemState` changes meaning: older snapshots are then ignored. */
export const ITEM_STATE_VERSION = 1;
