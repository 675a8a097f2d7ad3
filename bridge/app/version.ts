/** The bridge's version, from package.json (one source of truth). */
import { readFileSync } from "node:fs";

export const BRIDGE_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
})();
