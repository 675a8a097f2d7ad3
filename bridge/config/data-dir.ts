/**
 * Where the bridge keeps its state: config, directory index, pairing secret, audit log, lock.
 * Order: `--data-dir DIR`, then $MSS_BRIDGE_HOME, then the OS's per-user data directory
 * (Linux ~/.local/share/mss-bridge, macOS ~/Library/Application Support/mss-bridge,
 * Windows %LOCALAPPDATA%\mss-bridge\Data). Tests set one of the first two to isolate themselves.
 */
import { mkdirSync, statSync } from "node:fs";
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
    controlKey: path.join(dir, "control.key"), // 0600: both ends of the control channel prove it
    runtime: path.join(dir, "runtime.json"), // port and pid of the running bridge
    log: path.join(dir, "bridge.log"), // 0600: the log of a bridge started by Thunderbird (stdout is the native port)
  };
}

/** The data directory or its config.json can be changed by someone else: the bridge does not start. */
export class UnsafeDataDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsafeDataDirError";
  }
}

/**
 * Refuses a data directory that another user could change: config.json names the PKCS#11 library
 * the bridge loads (modulePath, cardDatabaseFile), so whoever can write it runs code as this user.
 * Refused: group or other write permission on the directory or on config.json, or either owned by
 * another user. Says how to fix it. Not checked on Windows (no POSIX modes; the per-user profile
 * directory is private by default).
 */
export function assertPrivateDataDir(dir: string, opts: { uid?: number } = {}): void {
  if (process.platform === "win32") return;
  const uid = opts.uid ?? process.getuid?.();
  const q = (p: string) => `'${p.replace(/'/g, "'\\''")}'`;
  const check = (file: string, what: string, fix: string) => {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(file);
    } catch {
      return; // no config.json: the defaults, nothing to protect
    }
    if (uid !== undefined && st.uid !== uid) {
      throw new UnsafeDataDirError(
        `The ${what} ${file} is owned by another user (uid ${st.uid}); the bridge refuses to start. ` +
          `Use a data directory of your own, or give it back to yourself: chown -R "$(id -un)" ${q(dir)}, then ${fix}.`,
      );
    }
    if ((st.mode & 0o022) !== 0) {
      throw new UnsafeDataDirError(
        `The ${what} ${file} is writable by other users (mode ${(st.mode & 0o777).toString(8)}); the bridge refuses to start, ` +
          `since config.json names the card's PKCS#11 library it loads. Fix it with: ${fix}.`,
      );
    }
  };
  check(dir, "data directory", `chmod 700 ${q(dir)}`);
  const config = path.join(dir, "config.json");
  check(config, "configuration file", `chmod 600 ${q(config)}`);
}
