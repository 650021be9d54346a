import type { Server } from "node:http";
import { describe, expect, it } from "vitest";
import {
  LOAD_BALANCER_IDLE_TIMEOUT_MS,
  serveBehindLoadBalancer,
} from "../../services/http/server.js";

describe("serveBehindLoadBalancer", () => {
  it("keeps idle connections and waits for headers longer than the load balancer's idle timeout", async () => {
    const server = serveBehindLoadBalancer({
      fetch: () => new Response("ok"),
      port: 0,
      hostname: "127.0.0.1",
    }) as Server;
    try {
      expect(server.keepAliveTimeout).toBeGreaterThan(LOAD_BALANCER_IDLE_TIMEOUT_MS);
      expect(server.headersTimeout).toBeGreaterThan(server.keepAliveTimeout);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
