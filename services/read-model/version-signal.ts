import pg from "pg";
import { type Backoff, backoffDelay } from "../backoff/backoff.js";
import { type Clock, systemClock } from "../clock/clock.js";
import { parseVersionPayload, type VersionReached } from "./projector.js";
import { versionChannel } from "./tables.js";

export type VersionListener = (reached: readonly VersionReached[]) => void;

/**
 * Tells read-your-writes waiters that the projector committed new versions. Listeners may miss
 * a signal (a dropped connection): waiters re-read the database before giving up.
 */
export interface VersionSignal {
  subscribe(listener: VersionListener): () => void;
}

/** In-process signal: the projector's `onCommitted` publishes, waiters in the same process hear. */
export class InProcessVersionSignal implements VersionSignal {
  private readonly listeners = new Set<VersionListener>();

  subscribe(listener: VersionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish = (reached: readonly VersionReached[]): void => {
    for (const l of this.listeners) l(reached);
  };
}

export interface PgVersionListenerOptions {
  readonly url: string;
  readonly schema: string;
  /** Wait before each reconnect after the LISTEN connection drops (default 1 s … 30 s). */
  readonly reconnect?: Backoff;
  /** Waits between reconnects. */
  readonly clock?: Clock;
  /** Jitter of the reconnect backoff: a uniform number in [0, 1). */
  readonly random?: () => number;
  readonly onError?: (e: unknown) => void;
  /** Called each time LISTEN is (re-)established. */
  readonly onListening?: () => void;
}

/**
 * LISTENs on the projector's NOTIFY channel over one dedicated connection (real Postgres; PGlite
 * does not deliver notifications across connections). Reconnects after a drop, with the capped,
 * jittered backoff, until stopped.
 */
const defaultReconnect: Backoff = Object.freeze({ initialMs: 1000, maxMs: 30_000, multiplier: 2 });

export class PgVersionListener implements VersionSignal {
  private readonly signal = new InProcessVersionSignal();
  /** The client that is LISTENing; only its drop schedules a reconnect. */
  private live: pg.Client | undefined;
  /** A client still connecting or sending LISTEN; its failure is handled where it is awaited. */
  private connecting: pg.Client | undefined;
  /** Aborts the pending reconnect wait. */
  private retry: AbortController | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: PgVersionListenerOptions) {}

  subscribe(listener: VersionListener): () => void {
    return this.signal.subscribe(listener);
  }

  /** Connects and LISTENs; rejects when the first attempt fails (the caller decides). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.retry?.abort();
    this.retry = undefined;
    const clients = [this.live, this.connecting];
    this.live = undefined;
    this.connecting = undefined;
    await Promise.all(clients.map((c) => c?.end().catch(() => undefined)));
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url });
    client.on("notification", (n) => {
      if (n.payload) this.signal.publish(parseVersionPayload(n.payload));
    });
    client.on("error", (e) => {
      this.options.onError?.(e);
      this.dropped(client);
    });
    client.on("end", () => this.dropped(client));
    this.connecting = client;
    try {
      await client.connect();
      await client.query(`LISTEN "${versionChannel(this.options.schema)}"`);
    } catch (e) {
      // Not live yet, so its 'end' schedules nothing: end it here (connected clients would leak).
      await client.end().catch(() => undefined);
      throw e;
    } finally {
      if (this.connecting === client) this.connecting = undefined;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.live = client;
    this.failures = 0;
    this.options.onListening?.();
  }

  private dropped(dead: pg.Client): void {
    if (this.live !== dead) return;
    this.live = undefined;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retry) return;
    this.failures += 1;
    const {
      reconnect = defaultReconnect,
      clock = systemClock,
      random = Math.random,
    } = this.options;
    const retry = new AbortController();
    this.retry = retry;
    void clock.sleep(backoffDelay(reconnect, this.failures, random()), retry.signal).then(() => {
      if (this.retry === retry) this.retry = undefined;
      if (this.stopped || retry.signal.aborted) return;
      this.listen().catch((e) => {
        if (this.stopped) return;
        this.options.onError?.(e);
        this.scheduleReconnect();
      });
    });
  }
}
