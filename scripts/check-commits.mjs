#!/usr/bin/env node
// Commit subjects a person can scan: at most 72 characters, a blank line before any body.
// Checks every commit after RULE_SINCE (when the rule was adopted; older subjects stay as they were).
// Part of `npm run lint`. A shallow clone without that commit checks what it has.
import { execFileSync } from "node:child_process";

const RULE_SINCE = "f4222fe"; // the first commit written under the rule
const MAX = 72;

const git = (...args) => execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
let range = "HEAD";
try {
  git("cat-file", "-e", `${RULE_SINCE}^{commit}`);
  range = `${RULE_SINCE}^..HEAD`;
} catch {
  console.warn(`check-commits: ${RULE_SINCE} is not in this clone; checking every commit it has`);
}
let log;
try {
  log = git("log", "--format=%h%x00%B%x1e", range);
} catch (e) {
  console.error(`check-commits: git log failed (${e.message.split("\n")[0]}); run it inside the repository`);
  process.exit(2);
}
const bad = [];
for (const rec of log.split("\x1e")) {
  const [hash, message] = rec.replace(/^\n/, "").split("\0");
  if (!hash || message === undefined) continue;
  const [subject = "", second] = message.split("\n");
  if (subject.length > MAX) bad.push(`${hash} subject is ${subject.length} characters (at most ${MAX}): ${subject.slice(0, 80)}…`);
  if (second !== undefined && second.trim() !== "") bad.push(`${hash} needs a blank line between the subject and the body`);
}
if (bad.length) {
  console.error(`check-commits: ${bad.length} problem(s); reword with git commit --amend or git rebase -i:`);
  for (const b of bad) console.error(`  ${b}`);
  process.exit(1);
}
console.log(`check-commits: ${log.split("\x1e").filter((r) => r.trim()).length} commit subject(s) within ${MAX} characters`);
