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
  /** Reconnect delay after the LISTEN connection drops. */
  readonly reconnectMs?: number;
  readonly onError?: (e: unknown) => void;
}

/**
 * LISTENs on the projector's NOTIFY channel over one dedicated connection (real Postgres; PGlite
 * does not deliver notifications across connections). Reconnects after a drop.
 */
export class PgVersionListener implements VersionSignal {
  private readonly signal = new InProcessVersionSignal();
  private client: pg.Client | undefined;
  private stopped = false;

  constructor(private readonly options: PgVersionListenerOptions) {}

  subscribe(listener: VersionListener): () => void {
    return this.signal.subscribe(listener);
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url });
    client.on("notification", (n) => {
      if (n.payload) this.signal.publish(parseVersionPayload(n.payload));
    });
    client.on("error", (e) => {
      this.options.onError?.(e);
      this.reconnect(client);
    });
    client.on("end", () => this.reconnect(client));
    await client.connect();
    await client.query(`LISTEN "${versionChannel(this.options.schema)}"`);
    this.client = client;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }

  private reconnect(dead: pg.Client): void {
    if (this.stopped || this.client !== dead) return;
    this.client = undefined;
    setTimeout(() => {
      if (!this.stopped) this.start().catch((e) => this.options.onError?.(e));
    }, this.options.reconnectMs ?? 1000).unref();
  }
}
