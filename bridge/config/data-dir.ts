/**
 * Where the bridge keeps its state: config, directory index, pairing secret, audit log, lock.
 * Order: `--data-dir DIR`, then $MSS_BRIDGE_HOME, then the OS's per-user data directory
 * (Linux ~/.local/share/mss-bridge, macOS ~/Library/Application Support/mss-bridge,
 * Windows %LOCALAPPDATA%\mss-bridge\Data). Tests set one of the first two to isolate themselves.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import envPaths from "env-paths";
import { APP_DIR_NAME, DATA_DIR_ENV } from "../../shared/constants.ts";

export function resolveDataDir(flag?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return path.resolve(flag);
  const fromEnv = env[DATA_DIR_ENV];
  if (fromEnv) return path.resolve(fromEnv);
  return envPaths(APP_DIR_NAME, { suffix: "" }).data;
}

/** Creates the data directory with user-only permissions if needed, and returns it. */
export function ensureDataDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Well-known files inside the data directory. */
export function dataPaths(dir: string) {
  return {
    config: path.join(dir, "config.json"),
    directoryIndex: path.join(dir, "directory"),
    trustCache: path.join(dir, "trust"),
    pairing: path.join(dir, "pairing.json"), // 0600: per-installation secret + paired origins
    auditLog: path.join(dir, "audit.log"),
    lock: path.join(dir, "bridge.lock"),
    controlSocket: path.join(dir, "control.sock"),
    runtime: path.join(dir, "runtime.json"), // port and pid of the running bridge
  };
}
