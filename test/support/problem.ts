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

/**
 * Asserts that a refusal is an RFC 9457 problem of any of our kinds whose body repeats the
 * answer's status: what every 4xx must be, whatever the request (the fuzz tests). A HEAD answer
 * has no body to read.
 */
export const expectAnyProblem = async (res: Response, method = "GET"): Promise<void> => {
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  if (method === "HEAD") return;
  const p = (await res.json()) as { type?: unknown; status?: unknown };
  expect(String(p.type).startsWith(PROBLEM_BASE), `problem type ${String(p.type)}`).toBe(true);
  expect(p.status).toBe(res.status);
};
