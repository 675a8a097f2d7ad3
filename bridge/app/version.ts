/** The bridge's version, from package.json (one source of truth). */
import { packageText } from "../platform/package-root.ts";

export const BRIDGE_VERSION: string = (() => {
  try {
    return (JSON.parse(packageText("package.json")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
})();
