import { describe, expect, it } from "vitest";
import { healthApp } from "../../services/streams/health/health-app.js";
import { createHeartbeat } from "../../services/streams/health/heartbeat.js";
import { FakeClock } from "../support/fake-clock.js";

const fakeClock = () => new FakeClock({ start: Date.parse("2026-11-29T05:00:00Z") });

describe("/healthz", () => {
  it("is healthy while the worker loop beats and 503 once it is silent too long", async () => {
    const time = fakeClock();
    const heartbeat = createHeartbeat(time);
    const app = healthApp({ heartbeat, maxSilenceMs: 30_000, clock: time });

    await time.advance(20_000);
    const ok = await app.request("/healthz");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: "ok", silentForMs: 20_000 });

    await time.advance(20_000); // 40 s without a beat
    const stuck = await app.request("/healthz");
    expect(stuck.status).toBe(503);
    expect(stuck.headers.get("content-type")).toBe("application/problem+json");
    expect(await stuck.json()).toMatchObject({
      status: 503,
      silentForMs: 40_000,
      lastProgressAt: "2026-11-29T05:00:00.000Z",
    });

    heartbeat.beat(); // the loop recovered
    expect((await app.request("/healthz")).status).toBe(200);
  });

  it("counts the silence of each held shard, and only while it is held", async () => {
    const time = fakeClock();
    const heartbeat = createHeartbeat(time);
    const app = healthApp({ heartbeat, maxSilenceMs: 30_000, clock: time });
    heartbeat.shardStarted("s1");
    heartbeat.shardStarted("s2");
    for (let i = 0; i < 4; i++) {
      await time.advance(10_000);
      heartbeat.beat(); // the coordinator keeps renewing
      heartbeat.shardProgress("s1");
    }
    expect(await (await app.request("/healthz")).json()).toMatchObject({ status: 503 });
    heartbeat.shardStopped("s2"); // lease released: no longer ours to move
    heartbeat.shardProgress("s2"); // a late batch attempt does not bring it back
    await time.advance(10_000);
    expect((await app.request("/healthz")).status).toBe(200);
  });

  it("answers 404 for other paths", async () => {
    const time = fakeClock();
    const app = healthApp({
      heartbeat: createHeartbeat(time),
      maxSilenceMs: 1,
      clock: time,
    });
    expect((await app.request("/other")).status).toBe(404);
  });
});
