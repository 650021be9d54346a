import { expect } from "vitest";
import type { Decider } from "../../services/domain/shared/decider.js";

/**
 * given(events).when(command).thenEmits(events) for any decider: the history is folded with
 * `evolve` from `initialState`, the command is decided, and the outcome is compared.
 */
export const deciderSpec =
  <S, C, E, R>(decider: Decider<S, C, E, R>) =>
  (...history: readonly E[]) => ({
    when: (command: C) => {
      const decision = () =>
        decider.decide(history.reduce(decider.evolve, decider.initialState()), command);
      return {
        thenEmits: (expected: readonly E[]) => {
          expect(decision()._unsafeUnwrap()).toEqual(expected);
        },
        thenNothingHappened: () => {
          expect(decision()._unsafeUnwrap()).toEqual([]);
        },
        thenRejects: (expected: Partial<R>) => {
          expect(decision()._unsafeUnwrapErr()).toMatchObject(expected);
        },
      };
    },
  });
