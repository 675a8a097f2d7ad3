/**
 * One bridge per user (per data directory): an O_EXCL lock file holding the owner's pid. A lock
 * whose pid no longer runs is stale (the bridge crashed or the machine rebooted) and is replaced.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";

export class AlreadyRunningError extends Error {
  constructor(
    readonly pid: number,
    lockFile: string,
  ) {
    super(
      `Another MSSanté bridge is already running for this data directory (pid ${pid}, lock ${lockFile}). Stop it first, or use another --data-dir.`,
    );
    this.name = "AlreadyRunningError";
  }
}

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function readLockPid(file: string): number | null {
  try {
    const pid = Number((JSON.parse(readFileSync(file, "utf8")) as { pid?: unknown }).pid);
    return Number.isInteger(pid) ? pid : null;
  } catch {
    return null;
  }
}

export interface InstanceLock {
  release(): void;
}

export function acquireInstanceLock(file: string): InstanceLock {
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, "wx", 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = readLockPid(file);
      if (pid !== null && pid !== process.pid && processAlive(pid)) throw new AlreadyRunningError(pid, file);
      try {
        unlinkSync(file); // stale (or half-written by a bridge killed while writing it)
      } catch {}
      continue;
    }
    try {
      writeSync(fd, `${JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() })}\n`);
    } finally {
      closeSync(fd);
    }
    return {
      release() {
        if (readLockPid(file) === process.pid) {
          try {
            unlinkSync(file);
          } catch {}
        }
      },
    };
  }
  throw new Error(`Could not take the lock ${file}; remove it if no bridge is running.`);
}
