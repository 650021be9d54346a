import { describe, expect, it } from "vitest";
import {
  isInfrastructureError,
  sqlStateFault,
} from "../../services/streams/processing/transient-errors.js";

const queryFailed = (driverError: object) => ({
  name: "QueryFailedError",
  message: String((driverError as { message?: string }).message ?? ""),
  driverError,
});

describe("Postgres errors classified by SQLSTATE class", () => {
  it.each([
    ["08006", "transient"],
    ["53300", "transient"],
    ["53200", "transient"],
    ["57014", "transient"],
    ["57P01", "transient"],
    ["40001", "transient"],
    ["40P01", "transient"],
    ["55P03", "transient"],
    ["22P02", "record"],
    ["22001", "record"],
    ["23505", "record"],
    ["42703", "unknown"],
    ["55000", "unknown"],
  ] as const)("%s is %s", (code, fault) => {
    expect(sqlStateFault(code)).toBe(fault);
    expect(isInfrastructureError(queryFailed({ code, message: "x" }))).toBe(fault === "transient");
  });
});

describe("driver errors without a SQLSTATE", () => {
  it("node-postgres' query timeout and pool acquisition timeout are transient", () => {
    expect(isInfrastructureError(queryFailed(new Error("Query read timeout")))).toBe(true);
    expect(isInfrastructureError(new Error("Query read timeout"))).toBe(true);
    expect(isInfrastructureError(new Error("timeout exceeded when trying to connect"))).toBe(true);
  });

  it("any other driver error without a SQLSTATE is transient, a driver TypeError is not", () => {
    expect(isInfrastructureError(queryFailed(new Error("some new socket failure")))).toBe(true);
    expect(isInfrastructureError(queryFailed(new TypeError("bad parameter")))).toBe(false);
  });

  it("an error of our own code stays a failure of the record", () => {
    expect(isInfrastructureError(new Error("cannot decode the event payload"))).toBe(false);
  });
});
