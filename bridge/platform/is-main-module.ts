/**
 * Whether a module is the program being run (`node file.mjs`, `tsx file.ts`) rather than a module
 * imported by it. Bundled, every module shares the bundle's `import.meta.url`: without the
 * RUNNING_BUNDLED test, running dist/bridge/cli.mjs directly would also run the command-line
 * entry points bundled into it (the demo's generator and token maker, the schema writer).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { RUNNING_BUNDLED } from "./child-entry.ts";

export function isMainModule(importMetaUrl: string): boolean {
  return !RUNNING_BUNDLED && !!process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(importMetaUrl);
}
