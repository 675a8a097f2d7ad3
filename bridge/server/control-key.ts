/**
 * The control key: 32 random bytes in `<data dir>/control.key` (0600), made by the first bridge
 * that starts for the data directory and kept. Both ends of the control channel prove it before
 * trusting each other (control-auth.ts), and the Windows pipe's name is derived from it.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync, writeSync, fsyncSync, unlinkSync } from "node:fs";
import { dataPaths } from "../config/data-dir.ts";
import { CONTROL_KEY_BYTES } from "./control-auth.ts";

/** The key file is missing, unreadable, or not private: the message says what to do. */
export class ControlKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ControlKeyError";
  }
}

/** Reads the key; null when no bridge ever made one (so none can be running). */
export function readControlKey(dataDir: string, opts: { uid?: number } = {}): Buffer | null {
  const file = dataPaths(dataDir).controlKey;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new ControlKeyError(
      `Cannot read the bridge's control key ${file} (${(e as NodeJS.ErrnoException).code}). Check the data directory's permissions.`,
    );
  }
  try {
    assertPrivate(file, fstatSync(fd), opts.uid ?? process.getuid?.());
    const key = Buffer.alloc(CONTROL_KEY_BYTES + 1);
    const n = readSync(fd, key, 0, key.length, 0);
    if (n !== CONTROL_KEY_BYTES) {
      throw new ControlKeyError(`The bridge's control key ${file} is damaged. Stop the bridge, delete that file and start it again.`);
    }
    return key.subarray(0, CONTROL_KEY_BYTES);
  } finally {
    closeSync(fd);
  }
}

/** The bridge's side: the existing key, or a new one written 0600 (never over an existing file). */
export function loadOrCreateControlKey(dataDir: string, opts: { uid?: number } = {}): Buffer {
  const existing = readControlKey(dataDir, opts);
  if (existing) return existing;
  const file = dataPaths(dataDir).controlKey;
  const key = randomBytes(CONTROL_KEY_BYTES);
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  } catch (e) {
    // Another bridge made it between our read and our create: use that one.
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return readControlKey(dataDir, opts) ?? key;
    throw new ControlKeyError(`Cannot create the bridge's control key ${file} (${(e as NodeJS.ErrnoException).code}).`);
  }
  try {
    writeSync(fd, key);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(file);
    throw e;
  }
  closeSync(fd);
  return key;
}

function assertPrivate(file: string, st: { uid: number; mode: number }, uid: number | undefined): void {
  if (process.platform === "win32") return; // inside the per-user profile; no POSIX modes
  if (uid !== undefined && st.uid !== uid) {
    throw new ControlKeyError(
      `The bridge's control key ${file} belongs to another user (uid ${st.uid}). Use a data directory of your own.`,
    );
  }
  if ((st.mode & 0o077) !== 0) {
    throw new ControlKeyError(
      `The bridge's control key ${file} can be read by other users (mode ${(st.mode & 0o777).toString(8)}). ` +
        `Stop the bridge, delete that file (a new key is made at the next start) and check the data directory is 0700.`,
    );
  }
}
