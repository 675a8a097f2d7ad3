import { defineConfig } from "vitest/config";

// Three projects:
// - unit: pure logic and the extension against a fake `messenger`; needs no root, no daemons.
// - real: real components (SoftHSM2, pcscd + virtual reader, slapd, dnsmasq, HTTP); serial,
//   one pcscd for the whole run (started by the global setup).
// - e2e: a real Thunderbird against real servers (test/e2e).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "shared/**/*.test.ts",
            "bridge/**/*.test.ts",
            "extension/**/*.test.ts",
            "scripts/**/*.test.ts",
            "test/unit/**/*.test.ts",
          ],
          environment: "node",
        },
      },
      {
        test: {
          name: "real",
          include: ["test/real/**/*.test.ts"],
          globalSetup: ["test/harness/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/harness/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
