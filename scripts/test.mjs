#!/usr/bin/env node
// `npm test`: the unit, real-component and end-to-end stages, one after the other (the real and
// end-to-end stages share one pcscd and the virtual reader ports, so they never overlap), each with
// its wall time, then a SKIPPED summary. With CI=true a missing system component fails the run
// instead of skipping (test/harness/require-component.ts).
// Extra arguments go to every stage (e.g. a file filter); `--stage NAME` runs one stage.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const args = process.argv.slice(2);
let stages = ["unit", "real", "e2e"];
const si = args.indexOf("--stage");
if (si >= 0) {
  stages = [args[si + 1]];
  args.splice(si, 2);
}

const skipFile = ".tmp/skipped.txt";
rmSync(skipFile, { force: true });
const results = [];
for (const stage of stages) {
  const started = Date.now();
  console.log(`\n=== npm test: ${stage} stage ===`);
  const report = `.tmp/vitest-${stage}.json`;
  rmSync(report, { force: true });
  const r = spawnSync(
    "npx",
    ["vitest", "run", "--project", stage, "--passWithNoTests", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...args],
    { stdio: "inherit" },
  );
  let counts = { passed: 0, failed: 0, skipped: 0 };
  if (existsSync(report)) {
    const j = JSON.parse(readFileSync(report, "utf8"));
    counts = { passed: j.numPassedTests ?? 0, failed: j.numFailedTests ?? 0, skipped: (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0) };
  }
  results.push({ stage, status: r.status ?? 1, seconds: (Date.now() - started) / 1000, ...counts });
}
if (existsSync(skipFile)) {
  const lines = [...new Set(readFileSync(skipFile, "utf8").split("\n").filter(Boolean))];
  if (lines.length) {
    console.log("\nSKIPPED (suites that did not run on this machine):");
    for (const l of lines) console.log("  - " + l);
  }
}
console.log("\nnpm test: wall time per stage");
for (const r of results)
  console.log(`  ${r.stage.padEnd(5)} ${r.seconds.toFixed(1).padStart(7)} s  ${r.status === 0 ? "ok" : "FAILED"}  (${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped)`);
const sum = (k) => results.reduce((n, r) => n + r[k], 0);
console.log(`\ntests: ${sum("passed")} passed, ${sum("failed")} failed, ${sum("skipped")} skipped`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
