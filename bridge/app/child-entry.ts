/**
 * How the bridge starts its child processes (PC/SC watcher, PKCS#11 worker, directory import).
 * Bundled (dist/bridge/, see scripts/build.mjs): each child is its own bundle, run by plain Node.
 * From sources: the child's .ts file, run through tsx resolved from this package as an absolute
 * URL, so a child starts whatever the working directory the bridge was started from.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { packageFile } from "./package-root.ts";

/** Replaced by `true` when esbuild bundles the bridge (scripts/build.mjs). */
declare const __MSS_BRIDGE_BUNDLE__: boolean | undefined;

export const RUNNING_BUNDLED: boolean = typeof __MSS_BRIDGE_BUNDLE__ !== "undefined" && __MSS_BRIDGE_BUNDLE__ === true;

/** Each child: its source file, and its bundle's name in dist/bridge/. */
export const CHILD_ENTRIES = {
  "pcsc-child": "bridge/card/pcsc-child.ts",
  "token-worker": "bridge/token/token-worker.ts",
  "import-child": "bridge/directory/import/import-child.ts",
} as const;
export type ChildName = keyof typeof CHILD_ENTRIES;

let tsxUrl: string | null = null;
function tsx(): string {
  if (!tsxUrl) {
    try {
      tsxUrl = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    } catch {
      tsxUrl = "tsx";
    }
  }
  return tsxUrl;
}

/** The module path and execArgv for `fork()` of a child, followed by any extra Node flags. */
export function childEntry(name: ChildName, ...extraNodeFlags: string[]): { modulePath: string; execArgv: string[] } {
  if (RUNNING_BUNDLED) return { modulePath: packageFile(`dist/bridge/${name}.mjs`), execArgv: [...extraNodeFlags] };
  return { modulePath: packageFile(CHILD_ENTRIES[name]), execArgv: ["--import", tsx(), ...extraNodeFlags] };
}
