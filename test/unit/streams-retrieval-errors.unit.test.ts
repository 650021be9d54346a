import { describe, expect, it } from "vitest";
import {
  StreamReadError,
  streamReadErrors,
} from "../../services/streams/retrieval/stream-client.js";

class Expired extends Error {}
class Busy extends Error {}
const translate = streamReadErrors([
  [Expired, "ExpiredIterator"],
  [Busy, "Throttled"],
]);
const kindOf = (e: unknown) => {
  try {
    translate(e);
  } catch (thrown) {
    return thrown instanceof StreamReadError ? thrown.kind : thrown;
  }
  return "returned";
};

describe("an SDK's error translator", () => {
  it("maps each listed exception class to its kind, keeping the message", () => {
    expect(kindOf(new Expired("x"))).toBe("ExpiredIterator");
    expect(kindOf(new Busy("x"))).toBe("Throttled");
    expect(() => translate(new Expired("iterator 7 expired"))).toThrow("iterator 7 expired");
  });

  it("matches ThrottlingException by name (no stream SDK models it as a class)", () => {
    const throttled = Object.assign(new Error("slow down"), { name: "ThrottlingException" });
    expect(kindOf(throttled)).toBe("Throttled");
  });

  it("rethrows anything else as it is", () => {
    const other = new TypeError("bug");
    expect(kindOf(other)).toBe(other);
  });
});
