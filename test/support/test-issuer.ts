import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";

export const TEST_AUDIENCE = "item-service-test";
export const TEST_CLIENT_ID = "test-client";

export interface SigningKey {
  readonly kid: string;
  readonly alg: "RS256" | "ES256";
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export const newSigningKey = async (alg: "RS256" | "ES256" = "ES256"): Promise<SigningKey> => {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `kid-${randomUUID()}`;
  return {
    kid,
    alg,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" },
  };
};

export interface MintOptions {
  readonly key?: SigningKey;
  readonly scopes?: readonly string[];
  readonly sub?: string;
  /** Claims to add or override (iss, aud, exp, nbf, token_use, client_id, …); undefined drops one. */
  readonly claims?: Record<string, unknown>;
  /** Epoch seconds the token is issued at (the test's clock). */
  readonly nowSeconds?: number;
}

/**
 * A real OIDC-style issuer for tests: jose-signed tokens and its JWKS served over real HTTP by
 * a node:http server that can be taken down (`stop`) and brought back (`start`), counting the
 * JWKS fetches it answered.
 */
export class TestIssuer {
  private server: Server | undefined;
  private port = 0;
  /** Keys published in the JWKS document. */
  published: SigningKey[];
  /** JWKS requests answered so far. */
  jwksFetches = 0;

  private constructor(readonly key: SigningKey) {
    this.published = [key];
  }

  static async start(alg: "RS256" | "ES256" = "ES256"): Promise<TestIssuer> {
    const issuer = new TestIssuer(await newSigningKey(alg));
    await issuer.start();
    return issuer;
  }

  get issuer(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get jwksUrl(): string {
    return `${this.issuer}/.well-known/jwks.json`;
  }

  /** Listens (again, on the same port after a `stop`). */
  async start(): Promise<void> {
    const server = createServer((req, res) => {
      if (req.url === "/.well-known/jwks.json") {
        this.jwksFetches++;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ keys: this.published.map((k) => k.publicJwk) }));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Takes the JWKS endpoint away: connections are refused until `start`. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A token as a generic OIDC issuer makes it (aud), valid for an hour from `nowSeconds`. */
  async mint({
    key = this.key,
    scopes = ["items:read", "items:write"],
    sub = "alice",
    claims = {},
    nowSeconds = Math.floor(Date.now() / 1000),
  }: MintOptions = {}): Promise<string> {
    const payload: JWTPayload = {
      iss: this.issuer,
      sub,
      aud: TEST_AUDIENCE,
      scope: scopes.join(" "),
      client_id: TEST_CLIENT_ID,
      iat: nowSeconds,
      nbf: nowSeconds,
      exp: nowSeconds + 3600,
      ...claims,
    };
    for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
    return new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, kid: key.kid })
      .sign(key.privateKey);
  }
}
