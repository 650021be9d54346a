import { describe, expect, it } from "vitest";
import { createVersionWaiter } from "../../services/query-api/read-your-writes/version-waiter.js";
import { InProcessVersionSignal } from "../../services/read-model/version-signal.js";

const ID = "0193c0de-0000-7000-8000-000000000001";

/** A read model whose version the test moves, counting reads. */
const fakeReadModel = (initial: number) => {
  const state = { version: initial, reads: 0 };
  return {
    state,
    readVersion: async () => {
      state.reads += 1;
      return state.version;
    },
  };
};

describe("read-your-writes waiter", () => {
  it("answers at once, with one read, when the version is already there", async () => {
    const rm = fakeReadModel(3);
    const wait = createVersionWaiter({ readVersion: rm.readVersion, timeoutMs: 60_000 });
    expect(await wait(ID, 2)).toEqual({ reached: true, version: 3 });
    expect(rm.state.reads).toBe(1);
  });

  it("wakes on the projector's signal instead of polling", async () => {
    const rm = fakeReadModel(1);
    const signal = new InProcessVersionSignal();
    const wait = createVersionWaiter({ readVersion: rm.readVersion, signal, timeoutMs: 60_000 });
    const waiting = wait(ID, 2);
    // Another item's commit does not satisfy this waiter.
    signal.publish([{ itemId: "0193c0de-0000-7000-8000-000000000002", version: 5 }]);
    rm.state.version = 2;
    signal.publish([{ itemId: ID, version: 2 }]);
    expect(await waiting).toEqual({ reached: true, version: 2 });
    expect(rm.state.reads).toBe(2);
  });

  it("gives up at the deadline with the version reached so far (a lost signal is re-read)", async () => {
    const rm = fakeReadModel(1);
    const signal = new InProcessVersionSignal();
    const wait = createVersionWaiter({ readVersion: rm.readVersion, signal, timeoutMs: 5 });
    expect(await wait(ID, 4)).toEqual({ reached: false, version: 1 });
    rm.state.version = 4;
    // Reached by the deadline although no signal came: the final read sees it.
    expect(await wait(ID, 4)).toEqual({ reached: true, version: 4 });
  });

  it("unsubscribes when done", async () => {
    const rm = fakeReadModel(1);
    let listeners = 0;
    const signal = {
      subscribe: () => {
        listeners += 1;
        return () => {
          listeners -= 1;
        };
      },
    };
    const wait = createVersionWaiter({ readVersion: rm.readVersion, signal, timeoutMs: 5 });
    await wait(ID, 9);
    expect(listeners).toBe(0);
  });
});
