/**
 * Reads the configuration: the defaults, then the machine-wide file IT may have written
 * (machine-config.ts), then the user's `<data dir>/config.json` (all keys optional). Keys the
 * machine file locks keep the machine's value whatever the user's file says.
 */
import { readFileSync } from "node:fs";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { defaultConfig, type BridgeConfig } from "./config.ts";
import {
  assertSafeMachineConfig,
  enforceLocks,
  keysSet,
  LOCKED_KEYS,
  MACHINE_CONFIG_MAX_BYTES,
  type MachineLayer,
  machineConfigPath,
  setsKey,
  validateMachineConfig,
} from "./machine-config.ts";

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

/** The user's config.json parsed, or undefined when there is none. */
function readUserFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new BridgeError(ErrorCode.INTERNAL_ERROR, `Cannot read the configuration ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new BridgeError(
      ErrorCode.INTERNAL_ERROR,
      `The configuration ${file} is not valid JSON (${(e as Error).message}). Fix it or remove it to use the defaults.`,
    );
  }
}

/** The machine file checked (owner, modes, size, JSON, keys), or null when there is none. */
function readMachineFile(file: string, uid: number | undefined): MachineLayer | null {
  if (!assertSafeMachineConfig(file, uid === undefined ? {} : { uid })) return null;
  let text: string;
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MACHINE_CONFIG_MAX_BYTES) {
      throw new Error(`it is ${bytes.length} bytes, more than the ${MACHINE_CONFIG_MAX_BYTES} a configuration may have`);
    }
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (e) {
    throw new BridgeError(
      ErrorCode.INTERNAL_ERROR,
      `Cannot read the machine configuration ${file}: ${(e as Error).message}. IT fixes the file.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new BridgeError(
      ErrorCode.INTERNAL_ERROR,
      `The machine configuration ${file} is not valid JSON (${(e as Error).message}). IT fixes the file or removes it.`,
    );
  }
  const machine = validateMachineConfig(parsed, file);
  return {
    file,
    keys: keysSet(machine),
    locked: LOCKED_KEYS.filter((k) => setsKey(machine, k)),
    values: mergeConfig(defaultConfig() as unknown as Record<string, unknown>, machine),
  };
}

export interface ConfigLayers {
  config: BridgeConfig;
  /** The machine file's layer, null when the computer has none. */
  machine: MachineLayer | null;
  /** Locked keys the user's config.json set to another value: the machine's is used. */
  overridden: string[];
}

export interface LoadConfigOptions {
  /** The machine configuration (default: machineConfigPath()); null: none. */
  machineFile?: string | null;
  /** The uid the machine file's owner is checked against (default: this process's). */
  uid?: number;
}

/** The configuration and where its values come from. */
export function loadConfigLayers(userFile: string, opts: LoadConfigOptions = {}): ConfigLayers {
  const machineFile = opts.machineFile === undefined ? machineConfigPath() : opts.machineFile;
  const machine = machineFile === null ? null : readMachineFile(machineFile, opts.uid);
  const base = machine ? (machine.values as unknown as BridgeConfig) : defaultConfig();
  const merged = mergeConfig(base, readUserFile(userFile));
  const { config, overridden } = enforceLocks(merged, machine);
  return { config, machine, overridden };
}

/** The configuration for the user file `file` (machine file, then `file`, locks enforced). */
export function loadConfig(file: string, opts: LoadConfigOptions = {}): BridgeConfig {
  return loadConfigLayers(file, opts).config;
}
