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
