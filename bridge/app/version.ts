/** The bridge's version, from package.json (one source of truth). */
import { readFileSync } from "node:fs";
import { packageFile } from "../platform/package-root.ts";

export const BRIDGE_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(packageFile("package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
})();
