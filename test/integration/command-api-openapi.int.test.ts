import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommandApiHarness, type Harness } from "../support/command-api-harness.js";

type Operation = {
  requestBody?: {
    content: Record<string, { schema: { properties: Record<string, unknown> }; example: unknown }>;
  };
  responses: Record<string, unknown>;
};
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

// The OpenAPI document is written by hand; these checks fail as soon as it and the routes
// (paths, methods, body fields, examples, success statuses) disagree.
describe("GET /commands/openapi.json", () => {
  let h: Harness;
  let doc: Document;
  beforeAll(async () => {
    h = await createCommandApiHarness();
    doc = (await (await h.app.request("/commands/openapi.json")).json()) as Document;
  });
  afterAll(async () => {
    await h.drop();
  });

  const documented = () =>
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
    );

  it("is a valid OpenAPI 3.1 document", async () => {
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it("documents exactly the routes the app serves", () => {
    const served = h.app.routes
      .filter((r) => r.method !== "ALL" && r.path.startsWith("/commands"))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    const described = documented().map((o) => `${o.method} ${o.path}`);
    expect(new Set(served)).toEqual(new Set(described));
    expect(served).toHaveLength(described.length);
  });

  it("gives each command an example body the API accepts with the documented status", async () => {
    for (const { method, path, op } of documented().filter((o) => o.method === "POST")) {
      const id = path.includes("{id}") ? await h.register(10, "Example") : "";
      const example = op.requestBody?.content["application/json"]?.example;
      const res = await h.post(path.replace("{id}", id), example);
      const success = Object.keys(op.responses).filter((s) => s.startsWith("2"));
      expect(success, `${method} ${path}`).toContain(String(res.status));
    }
  });

  it("lists the same body fields as the validation accepts", async () => {
    for (const { path, op } of documented().filter((o) => o.method === "POST")) {
      const schema = op.requestBody?.content["application/json"]?.schema;
      const res = await h.post(path.replace("{id}", "0193c0de-0000-7000-8000-000000000001"), {
        "not-a-field": 1,
      });
      const p = (await res.json()) as { errors: Array<{ field: string; message: string }> };
      const unknown = p.errors.find((e) => e.field === "not-a-field");
      const allowed = unknown?.message.split("allowed: ")[1]?.split(", ") ?? [];
      expect(allowed, path).toEqual(Object.keys(schema?.properties ?? {}));
    }
  });

  it("documents every status a command can answer with", () => {
    for (const { path, op } of documented().filter((o) => o.method === "POST")) {
      const statuses = Object.keys(op.responses);
      for (const s of ["400", "413", "415", "422", "500"]) expect(statuses, path).toContain(s);
      if (path.includes("{id}")) {
        for (const s of ["404", "409", "412"]) expect(statuses, path).toContain(s);
      }
    }
  });
});
