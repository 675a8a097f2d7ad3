/** Reads `<data dir>/config.json` (all keys optional) over the defaults. */
import { readFileSync } from "node:fs";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { defaultConfig, type BridgeConfig } from "./config.ts";

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Deep merge of plain objects; arrays and scalars from `over` replace. */
export function mergeConfig<T>(base: T, over: unknown): T {
  if (!isObject(base) || !isObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? mergeConfig(out[k], v) : v;
  return out as T;
}

export function loadConfig(file: string): BridgeConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return defaultConfig();
    throw new BridgeError(ErrorCode.INTERNAL_ERROR, `Cannot read the configuration ${file}: ${(e as Error).message}`);
  }
  try {
    return mergeConfig(defaultConfig(), JSON.parse(text));
  } catch (e) {
    throw new BridgeError(
      ErrorCode.INTERNAL_ERROR,
      `The configuration ${file} is not valid JSON (${(e as Error).message}). Fix it or remove it to use the defaults.`,
    );
  }
}
