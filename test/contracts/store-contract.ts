import { afterAll, beforeAll, describe } from "vitest";

/** Opens the store a contract runs against; `close` (if any) gives it back. */
export type OpenStore<S> = () => Promise<{
  readonly store: S;
  readonly close?: () => Promise<void>;
}>;

/**
 * A describe block whose tests share one store from `open`, closed after them all; the tests
 * reach it through `store()` (it exists only once the block has started).
 */
export const describeContract = <S>(
  title: string,
  open: OpenStore<S>,
  tests: (store: () => S) => void,
): void => {
  describe(title, () => {
    let opened: Awaited<ReturnType<OpenStore<S>>> | undefined;
    beforeAll(async () => {
      opened = await open();
    });
    afterAll(() => opened?.close?.());
    tests(() => {
      if (!opened) throw new Error(`${title}: the store is not open yet`);
      return opened.store;
    });
  });
};
