import { describe, expect, it } from "vitest";
import {
  isPublishTransient,
  PublishEntriesFailedError,
  PublishEntriesRejectedError,
} from "../../services/integration-publisher/publish-handler.js";
import {
  createEmfPublisherMetrics,
  PUBLISHER_NAMESPACE,
} from "../../services/integration-publisher/publisher-metrics.js";
import { FakeClock } from "../support/fake-clock.js";

describe("integration publisher", () => {
  it("writes published and failed counts as EMF lines in its own namespace, Service the only dimension", () => {
    const lines: string[] = [];
    const metrics = createEmfPublisherMetrics({
      service: "integration-publisher",
      write: (l) => void lines.push(l),
      clock: new FakeClock({ start: 1_700_000_000_000 }),
      properties: { WorkerId: "w1" },
    });
    metrics.published(7);
    metrics.failed(2);
    const [published, failed] = lines.map((l) => JSON.parse(l));
    expect(published).toMatchObject({
      MessagesPublished: 7,
      Service: "integration-publisher",
      WorkerId: "w1",
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: PUBLISHER_NAMESPACE,
            Dimensions: [["Service"]],
            Metrics: [{ Name: "MessagesPublished", Unit: "Count" }],
          },
        ],
      },
    });
    expect(failed.MessagesFailed).toBe(2);
  });

  it("retries SNS's own failures and throttling without counting them against a record; rejected entries count", () => {
    expect(isPublishTransient(new PublishEntriesFailedError("InternalError"))).toBe(true);
    expect(isPublishTransient(Object.assign(new Error("x"), { name: "ThrottledException" }))).toBe(
      true,
    );
    expect(
      isPublishTransient(Object.assign(new Error("x"), { name: "KMSThrottlingException" })),
    ).toBe(true);
    expect(isPublishTransient(Object.assign(new Error("x"), { $fault: "server" }))).toBe(true);
    expect(isPublishTransient(new PublishEntriesRejectedError("InvalidParameter"))).toBe(false);
    expect(
      isPublishTransient(
        Object.assign(new Error("x"), { name: "AuthorizationErrorException", $fault: "client" }),
      ),
    ).toBe(false);
  });
});
