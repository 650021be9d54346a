// The floor of any HTTP service on this machine: node:http with nothing else, answering each POST
// with the same conditional PutItem the raw client sends (the project's own client factory, so
// the same SDK configuration), run with the image's NODE_OPTIONS. No framework, no auth, no
// validation, no logging: what remains is the HTTP exchange and the SDK call.
// Started by bench/command-latency.bench.ts; reads DYNAMODB_ENDPOINT, JOURNAL_TABLE, PORT and
// TEMPLATE_ITEM_ID (an item whose last journal row is the template, as for the raw write).
import { createServer } from "node:http";
import { v7 as uuidv7 } from "uuid";
import { dynamoDbClient } from "../../services/config/aws-clients.js";
import { lastJournalRow, rawPut } from "./journal-template.js";

const need = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const table = need("JOURNAL_TABLE");
const client = dynamoDbClient({ endpoint: need("DYNAMODB_ENDPOINT"), region: "us-east-1" });

const template = await lastJournalRow(client, table, need("TEMPLATE_ITEM_ID"));
const id = uuidv7();
let sequence = 0;

const server = createServer((req, res) => {
  if (req.method !== "POST") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", async () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString("utf8"));
      sequence += 1;
      await client.send(rawPut(table, template, id, sequence));
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ itemId: id, version: sequence }));
    } catch (e) {
      res.writeHead(500, { "content-type": "text/plain" }).end(String(e));
    }
  });
});
server.listen(Number(need("PORT")), "127.0.0.1");
