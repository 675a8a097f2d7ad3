/**
 * The bridge's child processes (PC/SC watcher, PKCS#11 worker, directory import) run TypeScript
 * like the bridge itself: `--import <tsx>`, with tsx resolved from this package as an absolute URL
 * so a child starts whatever the working directory the bridge was started from.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

let cached: string | null = null;

function tsxUrl(): string {
  if (cached) return cached;
  try {
    cached = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  } catch {
    cached = "tsx";
  }
  return cached;
}

/** execArgv for `fork()` of a `.ts` child, followed by any extra Node flags. */
export function typeScriptExecArgv(...extra: string[]): string[] {
  return ["--import", tsxUrl(), ...extra];
}
