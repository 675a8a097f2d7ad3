#!/usr/bin/env node
// `npm test`: unit, real-component and end-to-end suites in one vitest run, then a SKIPPED summary.
// With CI=true a missing system component fails the run instead of skipping (test/harness).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const skipFile = ".tmp/skipped.txt";
rmSync(skipFile, { force: true });
const started = Date.now();
const r = spawnSync("npx", ["vitest", "run", ...process.argv.slice(2)], { stdio: "inherit" });
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (existsSync(skipFile)) {
  const lines = [...new Set(readFileSync(skipFile, "utf8").split("\n").filter(Boolean))];
  if (lines.length) {
    console.log("\nSKIPPED (suites that did not run on this machine):");
    for (const l of lines) console.log("  - " + l);
  }
}
console.log(`\nnpm test: wall time ${seconds} s`);
process.exit(r.status ?? 1);
