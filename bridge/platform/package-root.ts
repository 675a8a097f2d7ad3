/**
 * Where this installation's files are, whether the bridge runs from its TypeScript sources
 * (through tsx) or from the esbuild bundle in dist/bridge/ (what `npm run build` makes and what
 * `mss-bridge` prefers): data files (card database, test-only trust list, package.json) and the
 * child processes' entry points are resolved from the package root, never from the current module.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { executableAsset, executableDir, RUNNING_AS_EXECUTABLE } from "./executable.ts";

const PACKAGE_NAME = "mssante-thunderbird";

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string };
      if (pkg.name === PACKAGE_NAME) return dir;
    } catch {
      /* no package.json here: go up */
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`the ${PACKAGE_NAME} package root was not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The package's root directory (holds package.json, bin/, bridge/, dist/); the executable's folder in the executable. */
export const PACKAGE_ROOT: string = RUNNING_AS_EXECUTABLE ? executableDir() : findRoot();

/** A file shipped with the bridge's sources, e.g. `bridge/card/cards.json`. */
export function packageFile(relative: string): string {
  return path.join(PACKAGE_ROOT, ...relative.split("/"));
}

/** The text of a data file shipped with the bridge (an asset inside the single executable). */
export function packageText(relative: string): string {
  return RUNNING_AS_EXECUTABLE ? executableAsset(relative) : readFileSync(packageFile(relative), "utf8");
}
