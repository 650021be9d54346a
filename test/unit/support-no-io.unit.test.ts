import { spawnSync } from "node:child_process";
import { connect } from "node:net";
import { describe, expect, inject, it } from "vitest";

describe("the unit tier", () => {
  it("starts no infrastructure: the global setup did not run for it", () => {
    expect(inject("dynamodbEndpoint")).toBeUndefined();
    expect(inject("databaseUrl")).toBeUndefined();
  });

  it("refuses to start a child process", () => {
    expect(() => spawnSync("true")).toThrow(/unit tests do no I\/O/);
  });

  it("refuses to open a TCP connection", () => {
    expect(() => connect(5432, "127.0.0.1")).toThrow(/unit tests do no I\/O/);
  });
});
