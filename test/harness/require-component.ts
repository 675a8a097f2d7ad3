/**
 * Real-component tests declare what they need. Outside CI a missing component skips the suite and
 * is listed in the final SKIPPED summary (scripts/test.mjs); with CI=true it fails the run.
 */
import { appendFileSync, existsSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import path from "node:path";

export const SKIP_FILE = path.resolve(".tmp", "skipped.txt");

export function isCI(): boolean {
  return process.env.CI === "true" || process.env.CI === "1";
}

function which(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/**
 * Returns the reason the suite cannot run, or null when everything is there.
 * `needs` are executables (looked up on PATH) or the pseudo-requirement "root".
 * In CI a missing requirement throws, so the suite fails instead of skipping.
 */
/** Thunderbird's French language pack (Debian's thunderbird-l10n-fr), a component by its file. */
export const THUNDERBIRD_FR_LANGPACK = "/usr/lib/thunderbird/extensions/langpack-fr@thunderbird.mozilla.org.xpi";

/** Components named by a file rather than a command. */
const FILE_COMPONENTS: Record<string, string> = { "thunderbird-l10n-fr": THUNDERBIRD_FR_LANGPACK };

export function missingComponents(suite: string, needs: string[]): string | null {
  const missing = needs.filter((n) => (n === "root" ? !isRoot() : FILE_COMPONENTS[n] ? !existsSync(FILE_COMPONENTS[n]) : !which(n)));
  if (missing.length === 0) return null;
  const reason = `${suite}: missing ${missing.join(", ")} (run scripts/setup as root)`;
  if (isCI()) throw new Error(`CI=true and ${reason}`);
  mkdirSync(path.dirname(SKIP_FILE), { recursive: true });
  appendFileSync(SKIP_FILE, `${reason}\n`);
  return reason;
}
