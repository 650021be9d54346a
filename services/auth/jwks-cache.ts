import {
  createLocalJWKSet,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from "jose";
import { type Clock, systemClock } from "../clock/clock.js";
import { type Logger, silentLogger } from "../logging/logger.js";

/** The issuer's keys could not be fetched and the token needs one we do not hold: answer 503. */
export class KeysUnavailableError extends Error {
  override readonly name = "KeysUnavailableError";
}

export interface JwksCacheOptions {
  /** The issuer's JWKS document, e.g. `<issuer>/.well-known/jwks.json`. */
  readonly url: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** At most one fetch per this interval, whatever unknown `kid`s callers send. */
  readonly cooldownMs?: number;
  /** Cached keys are refreshed in the background after this age; they stay in use meanwhile. */
  readonly maxAgeMs?: number;
  readonly timeoutMs?: number;
}

type KeyLookup = ReturnType<typeof createLocalJWKSet>;

/**
 * The issuer's signing keys, cached. An unknown `kid` triggers one re-fetch (concurrent
 * callers share it; rate-limited by `cooldownMs`). A failed fetch never drops cached keys, so
 * callers whose key is cached keep working while the JWKS endpoint is down. jose's own remote
 * set is not used: it re-throws on a stale cache when the endpoint is down and reads
 * `Date.now()` directly.
 */
export class JwksCache {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly cooldownMs: number;
  private readonly maxAgeMs: number;
  private readonly timeoutMs: number;
  private keys: KeyLookup | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private lastAttemptFailed = false;
  private inflight: Promise<void> | undefined;
  /** Fetches made so far (successful or not): for metrics and tests. */
  fetches = 0;

  constructor(private readonly options: JwksCacheOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.maxAgeMs = options.maxAgeMs ?? 600_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** Key resolver for jose's `jwtVerify`. Rejects with `KeysUnavailableError` or jose's errors. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    if (!this.keys) await this.refresh();
    else if (this.clock.now() - this.fetchedAt > this.maxAgeMs) void this.refresh();
    const keys = this.keys;
    if (!keys) throw new KeysUnavailableError(`no keys yet from ${this.options.url}`);
    try {
      return await keys(header, token);
    } catch (e) {
      if (!(e instanceof errors.JWKSNoMatchingKey)) throw e;
    }
    await this.refresh();
    try {
      return await (this.keys ?? keys)(header, token);
    } catch (e) {
      if (e instanceof errors.JWKSNoMatchingKey && this.lastAttemptFailed) {
        throw new KeysUnavailableError(
          `no key "${header.kid}" and ${this.options.url} is unreachable`,
        );
      }
      throw e;
    }
  };

  /** Resolves once no fetch is in flight (a background refresh may be). */
  idle(): Promise<void> {
    return this.inflight ?? Promise.resolve();
  }

  /** One fetch at a time, at most one per cooldown; a failure keeps the cached keys. */
  private refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    if (this.clock.now() - this.attemptedAt < this.cooldownMs) return Promise.resolve();
    this.attemptedAt = this.clock.now();
    this.fetches++;
    this.inflight = this.fetchKeys()
      .then((jwks) => createLocalJWKSet(jwks))
      .then(
        (keys) => {
          this.keys = keys;
          this.fetchedAt = this.clock.now();
          this.lastAttemptFailed = false;
        },
        (error: unknown) => {
          this.lastAttemptFailed = true;
          this.logger.warn({ err: error, url: this.options.url }, "JWKS fetch failed");
        },
      )
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async fetchKeys(): Promise<JSONWebKeySet> {
    const res = await fetch(this.options.url, {
      headers: { accept: "application/json, application/jwk-set+json" },
      redirect: "error",
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (res.status !== 200) throw new Error(`JWKS answered ${res.status}`);
    return (await res.json()) as JSONWebKeySet;
  }
}
