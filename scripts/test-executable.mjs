#!/usr/bin/env node
// `npm run test:executable` (after `node scripts/package.mjs --no-windows`): the real-component
// suites of scripts/executable-suites.mjs against the Linux single executable, as it ships.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { EXECUTABLE_SUITES } from "./executable-suites.mjs";

const exe = "dist/sea/mss-bridge";
if (!existsSync(exe)) {
  console.error(`test-executable: ${exe} is missing: run \`node scripts/package.mjs --no-windows\` first`);
  process.exit(1);
}
const r = spawnSync("npx", ["vitest", "run", "--project", "real", ...EXECUTABLE_SUITES, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, MSS_BRIDGE_EXECUTABLE: exe },
});
process.exit(r.status ?? 1);
