import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { freePort } from "./child-process.js";

export interface EmbeddedPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * PGlite (Postgres in WASM) behind a TCP socket, so `pg` and TypeORM take the same code path
 * as against RDS. All connections share one backend: statements run one at a time.
 */
export const startEmbeddedPostgres = async (port?: number): Promise<EmbeddedPostgres> => {
  // pg_trgm: the read model's name-search index (a migration creates the extension).
  const db = await PGlite.create({ extensions: { pg_trgm } });
  const chosen = port ?? (await freePort());
  const server = new PGLiteSocketServer({
    db,
    host: "127.0.0.1",
    port: chosen,
    maxConnections: 32,
  });
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${chosen}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
};
