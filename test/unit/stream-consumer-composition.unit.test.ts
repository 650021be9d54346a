import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The deployable, `npm start` and the e2e test must run the same consumer: production failure
// handling (retries, bisection, parking, trimmed-stream policy) exercised end to end.
const users = ["services/stream-consumer/main.ts", "dev/main.ts", "test/e2e/thin-path.e2e.test.ts"];

describe("one composition of the read-model consumer", () => {
  it.each(users)("%s builds its consumer with createReadModelConsumer", (file) => {
    const source = readFileSync(file, "utf8");
    expect(source).toMatch(/createReadModelConsumer\(/);
    // No hand-wired worker beside it, and no processing without the failure handling.
    expect(source).not.toMatch(/new StreamWorker\(/);
    expect(source).not.toMatch(/simpleProcessBatch/);
  });
});
