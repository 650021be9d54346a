/**
 * Identity and edge protection, as in Copilot's environments/addons/auth.yml: a Cognito user
 * pool whose resource server defines items:read and items:write, an app client for machine
 * callers (client-credentials grant), and a WAF web ACL (per-IP rate limit, AWS common rule set)
 * on the load balancer. Both APIs verify the pool's access tokens (AUTH_* variables).
 */
import { CfnOutput, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import type * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as wafv2 from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";
import { numberParameter } from "./parameters.js";

/** Tokens carry the scopes as "item-service/items:read". */
const RESOURCE_SERVER = "item-service";

export class Auth extends Construct {
  readonly userPool: cognito.UserPool;
  readonly machineClient: cognito.UserPoolClient;
  /** The AUTH_* variables the APIs read, by name. */
  readonly variables: Readonly<Record<string, string>>;

  constructor(
    scope: Construct,
    id: string,
    props: { readonly namePrefix: string; readonly loadBalancer: elbv2.ApplicationLoadBalancer },
  ) {
    super(scope, id);
    const stack = Stack.of(this);
    const rateLimit = numberParameter(this, "RequestsPerFiveMinutesPerIp", {
      default: 2000,
      minValue: 10,
      description: "WAF rate limit; an address above it is blocked until its rate falls.",
    });
    this.userPool = new cognito.UserPool(this, "UserPool", {
      userPoolName: `${props.namePrefix}-item-service`,
      deletionProtection: true,
      // Machine callers only: nobody signs up.
      selfSignUpEnabled: false,
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const domain = this.userPool.addDomain("Domain", {
      cognitoDomain: { domainPrefix: `${props.namePrefix}-items-${stack.account}` },
    });
    const read = new cognito.ResourceServerScope({
      scopeName: "items:read",
      scopeDescription: "Read items, their history and inventory totals (/queries/*)",
    });
    const write = new cognito.ResourceServerScope({
      scopeName: "items:write",
      scopeDescription: "Register and change items (/commands/*)",
    });
    const server = this.userPool.addResourceServer("ResourceServer", {
      identifier: RESOURCE_SERVER,
      userPoolResourceServerName: "Item service",
      scopes: [read, write],
    });
    this.machineClient = this.userPool.addClient("MachineClient", {
      userPoolClientName: `${props.namePrefix}-machine`,
      generateSecret: true,
      oAuth: {
        flows: { clientCredentials: true },
        scopes: [
          cognito.OAuthScope.resourceServer(server, read),
          cognito.OAuthScope.resourceServer(server, write),
        ],
      },
      accessTokenValidity: Duration.minutes(60),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
    });

    const rule = (name: string, priority: number) => ({
      name,
      priority,
      visibilityConfig: {
        sampledRequestsEnabled: true,
        cloudWatchMetricsEnabled: true,
        metricName: name,
      },
    });
    const acl = new wafv2.CfnWebACL(this, "WebAcl", {
      name: `${props.namePrefix}-item-service`,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: {
        sampledRequestsEnabled: true,
        cloudWatchMetricsEnabled: true,
        metricName: `${props.namePrefix}-item-service`,
      },
      rules: [
        {
          ...rule("rate-per-ip", 0),
          action: { block: {} },
          statement: {
            rateBasedStatement: { aggregateKeyType: "IP", limit: rateLimit },
          },
        },
        {
          ...rule("aws-common-rule-set", 1),
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesCommonRuleSet" },
          },
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, "WebAclAssociation", {
      resourceArn: props.loadBalancer.loadBalancerArn,
      webAclArn: acl.attrArn,
    });

    const issuer = `https://cognito-idp.${stack.region}.amazonaws.com/${this.userPool.userPoolId}`;
    this.variables = {
      AUTH_ISSUER: issuer,
      AUTH_CLIENT_IDS: this.machineClient.userPoolClientId,
      AUTH_SCOPE_PREFIX: `${RESOURCE_SERVER}/`,
    };
    // Named like Copilot's exports, so the contract test can pair them.
    new CfnOutput(stack, "AuthIssuer", { value: issuer });
    new CfnOutput(stack, "AuthClientIds", { value: this.machineClient.userPoolClientId });
    new CfnOutput(stack, "AuthScopePrefix", { value: `${RESOURCE_SERVER}/` });
    new CfnOutput(stack, "AuthTokenEndpoint", {
      value: `${domain.baseUrl()}/oauth2/token`,
      description: "OAuth 2.0 token endpoint (client-credentials grant, see docs/deploy.md).",
    });
  }
}
