import type { Result } from "neverthrow";

/**
 * An aggregate as three pure functions: `decide` turns a command into events (or a typed
 * rejection), `evolve` folds one event into the state, `initialState` is the state before any
 * event. No I/O and no clock: time and ids arrive inside the command.
 */
export interface Decider<State, Command, Event, Rejection> {
  readonly decide: (state: State, command: Command) => Result<readonly Event[], Rejection>;
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: () => State;
}
