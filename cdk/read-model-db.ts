/**
 * Aurora Serverless v2 PostgreSQL for the read model: its generated secret (the JSON the
 * services turn into a URL: host, port, dbname, username, password), forced TLS, isolated
 * subnets, and one client security group that alone may reach port 5432.
 */
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as rds from "aws-cdk-lib/aws-rds";
import { Construct } from "constructs";

export class ReadModelDb extends Construct {
  readonly cluster: rds.DatabaseCluster;
  /** Attach to a task that needs the database. */
  readonly clientSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: { readonly vpc: ec2.IVpc }) {
    super(scope, id);
    this.clientSecurityGroup = new ec2.SecurityGroup(this, "ClientSecurityGroup", {
      vpc: props.vpc,
      description: "Attached to the tasks that may connect to the read-model database.",
      allowAllOutbound: true,
    });
    const dbSecurityGroup = new ec2.SecurityGroup(this, "SecurityGroup", {
      vpc: props.vpc,
      description: "The read-model database; accepts PostgreSQL from client tasks only.",
      allowAllOutbound: false,
    });
    dbSecurityGroup.addIngressRule(
      this.clientSecurityGroup,
      ec2.Port.tcp(5432),
      "PostgreSQL from tasks holding the client security group",
    );
    const engine = rds.DatabaseClusterEngine.auroraPostgres({
      version: rds.AuroraPostgresEngineVersion.VER_17_9,
    });
    this.cluster = new rds.DatabaseCluster(this, "Cluster", {
      engine,
      credentials: rds.Credentials.fromGeneratedSecret("item_service"),
      defaultDatabaseName: "items",
      port: 5432,
      writer: rds.ClusterInstance.serverlessV2("Writer"),
      serverlessV2MinCapacity: 0.5,
      serverlessV2MaxCapacity: 8,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [dbSecurityGroup],
      parameterGroup: new rds.ParameterGroup(this, "Parameters", {
        engine,
        description: "Read-model database parameters",
        parameters: {
          client_encoding: "UTF8",
          // The services connect with sslmode=verify-full against the RDS CA bundle in the image.
          "rds.force_ssl": "1",
        },
      }),
      storageEncrypted: true,
      deletionProtection: true,
      backup: { retention: Duration.days(7) },
      copyTagsToSnapshot: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
  }
}
