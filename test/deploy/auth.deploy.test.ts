/**
 * Identity and edge protection as deployed: the Cognito addon defines exactly the scopes the
 * code checks, both APIs take their issuer settings from its exports, the WAF web ACL sits on the
 * environment's load balancer, TLS is configured, and no deployable serves the dev issuer.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyse } from "../../deploy-facts/code-graph.js";
import { readConfigSpec } from "../../deploy-facts/config-spec.js";
import { deployables } from "../../deploy-facts/deployables.js";
import { SCOPES } from "../../services/auth/caller.js";
import { fromCfnExport, isRecord, type Json, readYaml } from "./support/cfn-yaml.js";
import { copilotDir, repoRoot, serviceManifestPath } from "./support/workspace.js";

type Template = {
  Resources: Record<string, { Type: string; Properties: Record<string, Json> }>;
  Outputs: Record<string, { Value: Json; Export?: { Name: Json } }>;
};
const addon = readYaml(
  join(copilotDir, "environments", "addons", "auth.yml"),
) as unknown as Template;
const ofType = (type: string) => Object.values(addon.Resources).filter((r) => r.Type === type);
const one = (type: string) => {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return (found[0] as { Properties: Record<string, Json> }).Properties;
};
const exportName = (output: string) =>
  (addon.Outputs[output]?.Export?.Name as { "Fn::Sub": string } | undefined)?.["Fn::Sub"];

const APIS = { "command-api": "items:write", "query-api": "items:read" } as const;

describe("the Cognito addon", () => {
  const server = one("AWS::Cognito::UserPoolResourceServer");
  const prefix = `${String(server.Identifier)}/`;

  it("defines exactly the scopes the APIs check", () => {
    const names = (server.Scopes as Array<{ ScopeName: string }>).map((s) => s.ScopeName);
    expect(names.sort()).toEqual([...SCOPES].sort());
    expect(addon.Outputs.AuthScopePrefix?.Value).toBe(prefix);
  });

  it("has a client-credentials app client with a secret, granted both scopes", () => {
    const client = one("AWS::Cognito::UserPoolClient");
    expect(client.AllowedOAuthFlows).toEqual(["client_credentials"]);
    expect(client.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(client.GenerateSecret).toBe(true);
    expect((client.AllowedOAuthScopes as string[]).sort()).toEqual(
      SCOPES.map((s) => prefix + s).sort(),
    );
    // The token endpoint needs a domain.
    expect(ofType("AWS::Cognito::UserPoolDomain")).toHaveLength(1);
  });

  it("exports the issuer, the client ids and the scope prefix", () => {
    expect(exportName("AuthIssuer")).toBe(`\${App}-\${Env}-AuthIssuer`);
    expect(exportName("AuthClientIds")).toBe(`\${App}-\${Env}-AuthClientIds`);
    expect(exportName("AuthScopePrefix")).toBe(`\${App}-\${Env}-AuthScopePrefix`);
    expect(JSON.stringify(addon.Outputs.AuthIssuer?.Value)).toContain(
      `https://cognito-idp.\${AWS::Region}.amazonaws.com/\${UserPool}`,
    );
  });
});

describe.each(Object.keys(APIS))("%s: issuer settings", (name) => {
  const manifest = readYaml(serviceManifestPath(name)) as {
    variables: Record<string, Json>;
    http: Record<string, Json>;
  };

  it("reads the AUTH_* variables, AUTH_ISSUER required", async () => {
    const config = await readConfigSpec(repoRoot, `services/${name}/main.ts`);
    const auth = config.filter((c) => c.name.startsWith("AUTH_"));
    expect(auth.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        "AUTH_ISSUER",
        "AUTH_CLIENT_IDS",
        "AUTH_AUDIENCES",
        "AUTH_SCOPE_PREFIX",
        "AUTH_CLOCK_SKEW_SECONDS",
      ]),
    );
    expect(auth.find((c) => c.name === "AUTH_ISSUER")?.required).toBe(true);
    expect(auth.find((c) => c.name === "AUTH_CLOCK_SKEW_SECONDS")?.fallback).toBe(60);
  });

  it("takes the issuer, client ids and scope prefix from the addon's exports", () => {
    expect(fromCfnExport(manifest.variables.AUTH_ISSUER)).toBe("AuthIssuer");
    expect(fromCfnExport(manifest.variables.AUTH_CLIENT_IDS)).toBe("AuthClientIds");
    expect(fromCfnExport(manifest.variables.AUTH_SCOPE_PREFIX)).toBe("AuthScopePrefix");
  });

  it("redirects HTTP to HTTPS", () => {
    expect(manifest.http.redirect_to_https).toBe(true);
  });
});

describe("TLS and WAF at the environment's load balancer", () => {
  it("the environment manifest gives the ALB an ACM certificate", () => {
    const env = readYaml(join(copilotDir, "environments", "prod", "manifest.yml")) as {
      http?: { public?: { certificates?: string[] } };
    };
    const certs = env.http?.public?.certificates ?? [];
    expect(certs.length).toBeGreaterThan(0);
    for (const c of certs) expect(c).toMatch(/^(arn:aws:acm:|\$\{[A-Z_]+\}$)/);
  });

  it("the web ACL blocks by rate per IP and applies the AWS managed common rule set", () => {
    const acl = one("AWS::WAFv2::WebACL");
    expect(acl.Scope).toBe("REGIONAL");
    const rules = acl.Rules as Array<Record<string, Json>>;
    const rate = rules.find((r) => isRecord(r.Statement) && "RateBasedStatement" in r.Statement);
    expect(rate?.Action).toEqual({ Block: {} });
    const managed = rules.map(
      (r) => (r.Statement as Record<string, Record<string, Json>>).ManagedRuleGroupStatement,
    );
    expect(managed).toContainEqual({ VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet" });
  });

  it("is associated with the environment's public ALB, passed in by addons.parameters.yml", () => {
    const assoc = one("AWS::WAFv2::WebACLAssociation");
    expect(assoc.ResourceArn).toEqual({ Ref: "PublicLoadBalancerArn" });
    expect(JSON.stringify(assoc.WebACLArn)).toContain("WebAcl");
    const params = readYaml(
      join(copilotDir, "environments", "addons", "addons.parameters.yml"),
    ) as {
      Parameters: Record<string, Json>;
    };
    expect(JSON.stringify(params.Parameters.PublicLoadBalancerArn)).toContain(
      '{"Ref":"PublicLoadBalancer"}',
    );
  });
});

describe("the development issuer stays in the local stack", () => {
  it.each(deployables(repoRoot).map((d) => [d.main] as const))(
    "%s neither serves nor reaches /dev/token",
    (main) => {
      const files = analyse(repoRoot, main).files.map((f) =>
        isAbsolute(f) ? f : join(repoRoot, f),
      );
      expect(files.length).toBeGreaterThan(1);
      for (const f of files) {
        expect(f).not.toMatch(/dev-issuer/);
        expect(readFileSync(f, "utf8"), f).not.toContain("/dev/token");
      }
    },
  );

  it("the local stack does serve it (so the check above looks at the right thing)", () => {
    const files = analyse(repoRoot, "dev/main.ts").files;
    expect(files.some((f) => f.includes("dev-issuer"))).toBe(true);
  });
});
