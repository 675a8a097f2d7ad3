#!/usr/bin/env node
// `npm test`: the unit, real-component and end-to-end stages, one after the other (the real and
// end-to-end stages share one pcscd and the virtual reader ports, so they never overlap), each with
// its wall time, then a SKIPPED summary. With CI=true a missing system component fails the run
// instead of skipping (test/harness/require-component.ts).
// Extra arguments go to every stage (e.g. a file filter); `--stage NAME` (repeatable) runs those
// stages only; `--without-executable-suites` leaves out the real-component suites that
// `npm run test:executable` runs against the single executable. `--clock-ahead DAYS` runs them with the wall clock moved DAYS days forward (Debian's
// libfaketime; the monotonic clock is left alone, so timeouts behave): a test that depends on
// today's date fails there at once instead of weeks later (`npm run test:clock-ahead`).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { EXECUTABLE_SUITE_GLOBS } from "./executable-suites.mjs";

const args = process.argv.slice(2);
let stages = [];
for (let si = args.indexOf("--stage"); si >= 0; si = args.indexOf("--stage")) {
  stages.push(args[si + 1]);
  args.splice(si, 2);
}
if (stages.length === 0) stages = ["unit", "real", "e2e"];
// `--without-executable-suites`: CI, which runs those against the executable (npm run test:executable).
const wo = args.indexOf("--without-executable-suites");
if (wo >= 0) args.splice(wo, 1, ...EXECUTABLE_SUITE_GLOBS.flatMap((g) => ["--exclude", g]));
let clockAheadDays = 0;
const ci = args.indexOf("--clock-ahead");
if (ci >= 0) {
  clockAheadDays = Number(args[ci + 1]);
  args.splice(ci, 2);
  if (!Number.isInteger(clockAheadDays) || clockAheadDays <= 0) {
    console.error("--clock-ahead takes a whole number of days (e.g. 400)");
    process.exit(2);
  }
  if (spawnSync("faketime", ["-f", "+0d", "true"]).status !== 0) {
    console.error("--clock-ahead needs Debian's faketime (scripts/setup installs it)");
    process.exit(1);
  }
}

/**
 * Each stage's wall-time budget on CI's 2 cores (seconds): printed beside the measured time, so a
 * stage that grows is seen long before CI's 90 minutes are reached. A stage over budget is reported,
 * not failed: the budget is a warning line, the tests' verdict is the tests'.
 */
const BUDGET_S = { unit: 180, real: 600, e2e: 480 };

const skipFile = ".tmp/skipped.txt";
rmSync(skipFile, { force: true });
const results = [];
for (const stage of stages) {
  const started = Date.now();
  const label = clockAheadDays ? `${stage} +${clockAheadDays}d` : stage;
  console.log(`\n=== npm test: ${label} stage${clockAheadDays ? ` (wall clock moved ${clockAheadDays} days ahead)` : ""} ===`);
  const report = `.tmp/vitest-${stage}.json`;
  rmSync(report, { force: true });
  const vitest = [
    "npx",
    "vitest",
    "run",
    "--project",
    stage,
    "--passWithNoTests",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...args,
  ];
  const command = clockAheadDays ? ["faketime", `+${clockAheadDays} days`, ...vitest] : vitest;
  const env = clockAheadDays ? { ...process.env, FAKETIME_DONT_FAKE_MONOTONIC: "1" } : process.env;
  const r = spawnSync(command[0], command.slice(1), { stdio: "inherit", env });
  let counts = { passed: 0, failed: 0, skipped: 0 };
  if (existsSync(report)) {
    const j = JSON.parse(readFileSync(report, "utf8"));
    counts = { passed: j.numPassedTests ?? 0, failed: j.numFailedTests ?? 0, skipped: (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0) };
  }
  results.push({ stage: label, status: r.status ?? 1, seconds: (Date.now() - started) / 1000, ...counts });
}
if (existsSync(skipFile)) {
  const lines = [...new Set(readFileSync(skipFile, "utf8").split("\n").filter(Boolean))];
  if (lines.length) {
    console.log("\nSKIPPED (suites that did not run on this machine):");
    for (const l of lines) console.log(`  - ${l}`);
  }
}
console.log("\nnpm test: wall time per stage");
for (const r of results) {
  const budget = BUDGET_S[r.stage.split(" ")[0]];
  const against =
    budget === undefined ? "" : `  budget ${budget} s${r.seconds > budget ? ` — OVER BUDGET by ${(r.seconds - budget).toFixed(0)} s` : ""}`;
  console.log(
    `  ${r.stage.padEnd(clockAheadDays ? 10 : 5)} ${r.seconds.toFixed(1).padStart(7)} s  ${r.status === 0 ? "ok" : "FAILED"}  (${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped)${against}`,
  );
}
const sum = (k) => results.reduce((n, r) => n + r[k], 0);
console.log(`\ntests: ${sum("passed")} passed, ${sum("failed")} failed, ${sum("skipped")} skipped`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
