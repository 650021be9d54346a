import pg from "pg";
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
  /** First reconnect delay after the LISTEN connection drops; doubles per failed attempt. */
  readonly reconnectMs?: number;
  /** Cap on the reconnect delay. */
  readonly maxReconnectMs?: number;
  readonly onError?: (e: unknown) => void;
  /** Called each time LISTEN is (re-)established. */
  readonly onListening?: () => void;
}

/**
 * LISTENs on the projector's NOTIFY channel over one dedicated connection (real Postgres; PGlite
 * does not deliver notifications across connections). Reconnects after a drop, with capped
 * exponential backoff, until stopped.
 */
export class PgVersionListener implements VersionSignal {
  private readonly signal = new InProcessVersionSignal();
  /** The client that is LISTENing; only its drop schedules a reconnect. */
  private live: pg.Client | undefined;
  /** A client still connecting or sending LISTEN; its failure is handled where it is awaited. */
  private connecting: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
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
    clearTimeout(this.retry);
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
    const base = this.options.reconnectMs ?? 1000;
    const delay = Math.min(base * 2 ** this.failures, this.options.maxReconnectMs ?? 30_000);
    this.failures += 1;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.stopped) return;
      this.listen().catch((e) => {
        if (this.stopped) return;
        this.options.onError?.(e);
        this.scheduleReconnect();
      });
    }, delay);
    this.retry.unref();
  }
}
