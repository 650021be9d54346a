import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { databaseUrl, RDS_CA_BUNDLE_PATH, readConfig } from "../../services/config/env.js";

const parse = (raw: string) =>
  readConfig({ DATABASE_URL: raw }, { DATABASE_URL: databaseUrl() }).DATABASE_URL;

describe("DATABASE_URL", () => {
  it("takes a URL as it is", () => {
    expect(parse("postgres://u@h:5432/db")).toBe("postgres://u@h:5432/db");
  });

  it("turns the Aurora JSON secret into a URL that verifies TLS against the RDS bundle", () => {
    const url = new URL(
      parse(
        JSON.stringify({
          host: "db.internal",
          port: 5432,
          dbname: "items",
          username: "app",
          password: "p@ss/w:rd",
        }),
      ),
    );
    expect(url.hostname).toBe("db.internal");
    expect(url.pathname).toBe("/items");
    expect(decodeURIComponent(url.password)).toBe("p@ss/w:rd");
    expect(url.searchParams.get("sslmode")).toBe("verify-full");
    expect(url.searchParams.get("sslrootcert")).toBe(RDS_CA_BUNDLE_PATH);
  });

  it("names a CA bundle path that the image provides", () => {
    const dockerfile = readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8");
    expect(dockerfile).toMatch(
      new RegExp(`^ADD .*global-bundle\\.pem ${RDS_CA_BUNDLE_PATH}$`, "m"),
    );
  });
});
