import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { text } from "node:stream/consumers";

/**
 * A SIMULATED Amazon SNS endpoint: `Publish` and `PublishBatch` on FIFO topics, over the real
 * AWS query protocol (form-encoded request, XML answer), so the real `@aws-sdk/client-sns` and
 * the publisher behind it are tested end to end. Why a simulation: the npm and Debian
 * registries here hold no SNS emulator (no LocalStack without Docker, no moto, no ElasticMQ).
 * It checks what a FIFO topic requires (group id, deduplication id, at most 10 distinct entries)
 * and injects what a real topic does now and then: throttling, 5xx answers and partial batch
 * failures. It de-duplicates by id like SNS, over the whole run rather than 5 minutes.
 */

const NS = "http://sns.amazonaws.com/doc/2010-03-31/";

/** One message entry as the endpoint received it (accepted or not). */
export interface ReceivedEntry {
  readonly topicArn: string;
  readonly groupId: string;
  readonly deduplicationId: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** "accepted" (SNS said yes), or the failure it answered. */
  readonly outcome: "accepted" | "failed" | "request-failed";
}

/** What the next request(s) get instead of a normal answer. */
export type SnsFault =
  | { readonly kind: "throttle" }
  | { readonly kind: "server-error" }
  /** PublishBatch only: these entry positions (0-based) fail; SenderFault false unless said. */
  | {
      readonly kind: "partial";
      readonly failAt: readonly number[];
      readonly senderFault?: boolean;
    };

export interface SnsEndpoint {
  readonly url: string;
  /** Every entry received, in arrival order, failed ones included. */
  readonly received: ReceivedEntry[];
  /** Accepted messages once each (SNS de-duplication by MessageDeduplicationId), in order. */
  readonly delivered: ReceivedEntry[];
  /** Requests answered (both actions, faults included). */
  readonly requests: { action: string; entries: number; fault?: SnsFault["kind"] }[];
  /** Queue faults for the next requests, one fault per request, in order. */
  inject(...faults: SnsFault[]): void;
  /** A fault for every nth request from now on (0 = none): a steadily flaky topic. */
  faultEvery(n: number, fault: SnsFault): void;
  /**
   * After `n` more requests, requests wait unanswered (unprocessed) until `release()`: a worker
   * can be killed with a request in flight. Resolves once a request is waiting.
   */
  holdAfter(n: number): Promise<void>;
  release(): void;
  close(): Promise<void>;
}

const xmlText = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const sendXml = (res: ServerResponse, status: number, xml: string): void => {
  res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": randomUUID() });
  res.end(`<?xml version="1.0"?>\n${xml}`);
};

const sendError = (res: ServerResponse, status: number, code: string, message: string): void =>
  sendXml(
    res,
    status,
    `<ErrorResponse xmlns="${NS}"><Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type><Code>${code}</Code><Message>${xmlText(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );

interface Entry {
  readonly id: string;
  readonly groupId: string | undefined;
  readonly deduplicationId: string | undefined;
  readonly body: string | undefined;
  readonly attributes: Record<string, string>;
}

/** `prefix.MessageAttributes.entry.N.Name` / `.Value.StringValue` → { name: value }. */
const attributesOf = (form: URLSearchParams, prefix: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (let n = 1; form.has(`${prefix}MessageAttributes.entry.${n}.Name`); n++)
    out[form.get(`${prefix}MessageAttributes.entry.${n}.Name`) as string] =
      form.get(`${prefix}MessageAttributes.entry.${n}.Value.StringValue`) ?? "";
  return out;
};

const entryOf = (form: URLSearchParams, prefix: string, id: string): Entry => ({
  id,
  groupId: form.get(`${prefix}MessageGroupId`) ?? undefined,
  deduplicationId: form.get(`${prefix}MessageDeduplicationId`) ?? undefined,
  body: form.get(`${prefix}Message`) ?? undefined,
  attributes: attributesOf(form, prefix),
});

/** What a FIFO topic with content-based deduplication off refuses, or undefined. */
const invalid = (e: Entry): string | undefined =>
  !e.body
    ? "Message must not be empty"
    : !e.groupId
      ? "The MessageGroupId parameter is required for FIFO topics"
      : !e.deduplicationId
        ? "The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"
        : undefined;

export const startSnsEndpoint = async (): Promise<SnsEndpoint> => {
  const received: ReceivedEntry[] = [];
  const delivered: ReceivedEntry[] = [];
  const requests: SnsEndpoint["requests"] = [];
  const queued: SnsFault[] = [];
  const seen = new Set<string>();
  let every: { n: number; fault: SnsFault; count: number } | undefined;
  let sequence = 10_000_000_000_000_000_000n;

  const record = (topicArn: string, e: Entry, outcome: ReceivedEntry["outcome"]) => {
    const entry: ReceivedEntry = {
      topicArn,
      groupId: e.groupId ?? "",
      deduplicationId: e.deduplicationId ?? "",
      body: e.body ?? "",
      attributes: e.attributes,
      outcome,
    };
    received.push(entry);
    if (outcome !== "accepted" || seen.has(`${e.groupId}/${e.deduplicationId}`)) return;
    seen.add(`${e.groupId}/${e.deduplicationId}`);
    delivered.push(entry);
  };

  const nextFault = (): SnsFault | undefined => {
    const f = queued.shift();
    if (f) return f;
    if (every && every.n > 0 && ++every.count % every.n === 0) return every.fault;
    return undefined;
  };

  let hold: { after: number; gate: Promise<void>; open: () => void; held: () => void } | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const form = new URLSearchParams(await text(req));
    if (hold && hold.after-- <= 0) {
      hold.held();
      await hold.gate;
    }
    const action = form.get("Action") ?? "";
    const topicArn = form.get("TopicArn") ?? "";
    const entries =
      action === "Publish"
        ? [entryOf(form, "", "0")]
        : Array.from({ length: 11 }, (_, i) => `PublishBatchRequestEntries.member.${i + 1}.`)
            .filter((p) => form.has(`${p}Id`))
            .map((p) => entryOf(form, p, form.get(`${p}Id`) as string));
    if (action !== "Publish" && action !== "PublishBatch")
      return sendError(res, 400, "InvalidAction", `simulated SNS: ${action} is not simulated`);
    if (!topicArn.endsWith(".fifo"))
      return sendError(res, 400, "InvalidParameter", "simulated SNS has FIFO topics only");
    if (action === "PublishBatch" && entries.length > 10)
      return sendError(res, 400, "TooManyEntriesInBatchRequest", "at most 10 entries");
    if (action === "PublishBatch" && new Set(entries.map((e) => e.id)).size !== entries.length)
      return sendError(res, 400, "BatchEntryIdsNotDistinct", "entry ids must be distinct");
    const problem = entries.map(invalid).find((p) => p !== undefined);
    if (problem) return sendError(res, 400, "InvalidParameter", problem);

    const fault = nextFault();
    requests.push({ action, entries: entries.length, ...(fault ? { fault: fault.kind } : {}) });
    if (fault?.kind === "throttle" || fault?.kind === "server-error") {
      for (const e of entries) record(topicArn, e, "request-failed");
      return fault.kind === "throttle"
        ? sendError(res, 429, "Throttled", "Rate exceeded (simulated)")
        : sendError(res, 500, "InternalError", "simulated internal error");
    }
    const failAt = new Set(fault?.kind === "partial" ? fault.failAt : []);
    const ok: string[] = [];
    const failed: string[] = [];
    entries.forEach((e, i) => {
      if (failAt.has(i)) {
        record(topicArn, e, "failed");
        const sender = fault?.kind === "partial" && fault.senderFault === true;
        failed.push(
          `<member><Id>${xmlText(e.id)}</Id><Code>${sender ? "InvalidParameter" : "InternalError"}</Code><Message>simulated entry failure</Message><SenderFault>${sender}</SenderFault></member>`,
        );
        return;
      }
      record(topicArn, e, "accepted");
      sequence += 1n;
      ok.push(
        `<member><Id>${xmlText(e.id)}</Id><MessageId>${randomUUID()}</MessageId><SequenceNumber>${sequence}</SequenceNumber></member>`,
      );
    });
    const meta = `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`;
    if (action === "Publish") {
      if (failed.length > 0) return sendError(res, 500, "InternalError", "simulated failure");
      return sendXml(
        res,
        200,
        `<PublishResponse xmlns="${NS}"><PublishResult>${(ok[0] as string).replace(/<\/?member>|<Id>[^<]*<\/Id>/g, "")}</PublishResult>${meta}</PublishResponse>`,
      );
    }
    sendXml(
      res,
      200,
      `<PublishBatchResponse xmlns="${NS}"><PublishBatchResult><Successful>${ok.join("")}</Successful><Failed>${failed.join("")}</Failed></PublishBatchResult>${meta}</PublishBatchResponse>`,
    );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => sendError(res, 500, "InternalError", String(e)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    delivered,
    requests,
    inject: (...faults) => queued.push(...faults),
    faultEvery: (n, fault) => {
      every = { n, fault, count: 0 };
    },
    holdAfter: (n) =>
      new Promise<void>((held) => {
        let open = () => {};
        const gate = new Promise<void>((resolve) => {
          open = resolve;
        });
        hold = { after: n, gate, open, held };
      }),
    release: () => {
      hold?.open();
      hold = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        hold?.open();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
