import { expect } from "vitest";
import { PROBLEM_BASE } from "../../services/http/problem.js";

/** Asserts an RFC 9457 problem answer of this status and kind; returns its body for more checks. */
export const expectProblem = async <P extends object = Record<string, unknown>>(
  res: Response,
  status: number,
  kind: string,
): Promise<P> => {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as P;
  expect(body).toMatchObject({ type: `${PROBLEM_BASE}${kind}`, status });
  return body;
};
