import { Agent, type IncomingHttpHeaders, request } from "node:http";

/** POSTs JSON and returns status, parsed body and the client-side latency in ms. */
export const postJson = async (
  url: string,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): Promise<{ status: number; body: unknown; ms: number }> => {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (e.g. a plain 404 from an unknown route)
  }
  return { status: res.status, body: parsed, ms };
};

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface PooledAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A client that reaches the service the way the load balancer does: over at most
 * `maxConnections` kept-alive connections, with requests beyond them waiting for a free one
 * (that wait counts in the caller's latency), and gives up after `timeoutMs` (the ALB's 60 s).
 * Unlike `fetch`, which opens a new connection for every request in flight, it does not let a
 * slow service drown in connection attempts, and it costs the bench process less CPU.
 */
export const pooledClient = ({ maxConnections = 256, timeoutMs = 60_000 } = {}) => {
  const agent = new Agent({ keepAlive: true, maxSockets: maxConnections });
  const post = (url: string, body: string, headers: Readonly<Record<string, string>>) =>
    new Promise<PooledAnswer>((resolve, reject) => {
      const req = request(
        url,
        {
          method: "POST",
          agent,
          headers: { ...headers, "content-length": Buffer.byteLength(body) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString("utf8"),
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error("timed out")));
      req.on("error", reject);
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
};
