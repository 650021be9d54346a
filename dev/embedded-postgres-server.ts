import { startEmbeddedPostgres } from "./embedded-postgres.js";

// Embedded Postgres in its own process, so its WASM engine never runs on the event loop of the
// process that generates load and takes the timings. Prints its URL; exits when told or when
// its parent goes away (stdin closes).
const pg = await startEmbeddedPostgres();
process.stdout.write(`POSTGRES_URL ${pg.url}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void pg.stop().finally(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
