import { defineConfig } from "vitest/config";

// Only the tiers that talk to DynamoDB Local and Postgres start them (test/support/global-setup.ts,
// shared when both run); the unit tier may not even start a child process or open a socket.
const withInfrastructure = ["test/support/global-setup.ts"];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only fight over DynamoDB Local and Postgres.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/unit/**/*.unit.test.ts"],
          // Worker threads, not forked processes: the unit tier starts no child process at all.
          pool: "threads",
          setupFiles: ["test/support/no-io.ts"],
        },
      },
      // Starts processes (entry script, cfn-lint) but needs no database.
      { extends: true, test: { name: "deploy", include: ["test/deploy/**/*.deploy.test.ts"] } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.int.test.ts"],
          globalSetup: withInfrastructure,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.e2e.test.ts"],
          globalSetup: withInfrastructure,
        },
      },
    ],
  },
});
