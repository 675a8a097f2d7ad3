/**
 * One bridge per user (per data directory): an O_EXCL lock file holding the owner's pid. A lock
 * whose pid no longer runs is stale (the bridge crashed or the machine rebooted) and is replaced.
 *
 * A pid alone is not an identity: after a reboot (or simply later) another process may hold it, and
 * the bridge would then refuse to start for good. On Linux the lock also records the boot id
 * (/proc/sys/kernel/random/boot_id) and the owner's start time (field 22 of /proc/<pid>/stat, in
 * clock ticks since boot): a live pid from another boot, or started at another time, is not the owner.
 * A lock file older than the last boot is stale too. Elsewhere (macOS, Windows) these are not
 * available and a live pid still counts as the owner, as before.
 */
import { closeSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";

/** What the system says about boots and processes (injected in tests). */
export interface ProcessProbe {
  /** This boot's id, or null when unknown. */
  bootId(): string | null;
  /** The start time of `pid` (opaque, comparable for equality), or null when unknown. */
  startTime(pid: number): string | null;
  /** When the machine booted (ms since the epoch), or null when unknown. */
  bootTimeMs(): number | null;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** Linux's /proc; every answer is null elsewhere. */
export const procProbe: ProcessProbe = {
  bootId: () => readText("/proc/sys/kernel/random/boot_id")?.trim() || null,
  startTime(pid) {
    const stat = readText(`/proc/${pid}/stat`);
    if (!stat) return null;
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count from the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const start = fields[22 - 3]; // field 22 (starttime); fields[0] is field 3 (state)
    return start && /^\d+$/.test(start) ? start : null;
  },
  bootTimeMs() {
    // The kernel's boot time ("btime", seconds since the epoch), on the same clock as the lock
    // file's mtime: never computed from Date.now(), which a moved or faked clock shifts.
    const m = /^btime (\d+)$/m.exec(readText("/proc/stat") ?? "");
    return m ? Number(m[1]) * 1000 : null;
  },
};

interface LockContent {
  pid: number;
  bootId?: string;
  procStart?: string;
}

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
  return readLock(file)?.pid ?? null;
}

function readLock(file: string): LockContent | null {
  try {
    const v = JSON.parse(readFileSync(file, "utf8")) as { pid?: unknown; bootId?: unknown; procStart?: unknown };
    const pid = Number(v.pid);
    if (!Number.isInteger(pid)) return null;
    return {
      pid,
      ...(typeof v.bootId === "string" ? { bootId: v.bootId } : {}),
      ...(typeof v.procStart === "string" ? { procStart: v.procStart } : {}),
    };
  } catch {
    return null;
  }
}

/** The lock's owner still runs: its pid is alive and, where the system says, it is the same process. */
function ownerRuns(file: string, lock: LockContent, probe: ProcessProbe): boolean {
  if (!processAlive(lock.pid)) return false;
  const bootId = probe.bootId();
  if (lock.bootId && bootId && lock.bootId !== bootId) return false; // written during another boot
  if (lock.procStart) {
    const now = probe.startTime(lock.pid);
    if (now && now !== lock.procStart) return false; // the pid was reused by another process
  }
  if (!lock.bootId) {
    // A lock from a version that did not record the boot: stale when older than the last boot.
    const booted = probe.bootTimeMs();
    try {
      if (booted !== null && statSync(file).mtimeMs < booted) return false;
    } catch {
      return false;
    }
  }
  return true;
}

export interface InstanceLock {
  release(): void;
}

/** Sleeps without leaving the synchronous start-up path (a few milliseconds at a time). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Removes a stale lock, unless another process is doing the same: the removal runs under
 * `<lock>.break` (O_EXCL) and re-reads the lock first, so a fresh lock that replaced the stale one
 * meanwhile is never removed. Returns false when another process is breaking it (try again).
 */
function breakStaleLock(file: string, stale: LockContent | null): boolean {
  const marker = `${file}.break`;
  let fd: number;
  try {
    fd = openSync(marker, "wx", 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    return false;
  }
  try {
    const now = readLock(file);
    const same = stale === null ? now === null : now !== null && now.pid === stale.pid && now.procStart === stale.procStart;
    if (same) {
      try {
        unlinkSync(file);
      } catch {}
    }
    return true;
  } finally {
    closeSync(fd);
    try {
      unlinkSync(marker);
    } catch {}
  }
}

/**
 * Takes the lock. The lock file appears whole or not at all: it is written to a private file,
 * then hard-linked into place (link fails when the name exists, atomically). A lock created with
 * O_EXCL and written afterwards could be read empty by a bridge starting at the same instant,
 * taken for a garbled one and removed, letting two bridges run (seen with two Thunderbird
 * profiles starting together).
 */
export function acquireInstanceLock(file: string, probe: ProcessProbe = procProbe): InstanceLock {
  const bootId = probe.bootId();
  const procStart = probe.startTime(process.pid);
  const content = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    ...(bootId ? { bootId } : {}),
    ...(procStart ? { procStart } : {}),
  };
  const mine = `${file}.${process.pid}.new`;
  writeFileSync(mine, `${JSON.stringify(content)}\n`, { mode: 0o600 });
  try {
    let busy = 0; // consecutive tries that found another process breaking the lock
    for (let attempt = 0; attempt < 300; attempt++) {
      try {
        linkSync(mine, file);
        return {
          release() {
            if (readLockPid(file) === process.pid) {
              try {
                unlinkSync(file);
              } catch {}
            }
          },
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const lock = readLock(file);
      if (lock?.pid === process.pid) return { release: () => {} }; // already ours (pair within a bridge)
      if (lock && ownerRuns(file, lock, probe)) throw new AlreadyRunningError(lock.pid, file);
      // Stale (or garbled by a crash): removed by one process at a time.
      if (breakStaleLock(file, lock)) {
        busy = 0;
      } else if (++busy > 100) {
        // Breaking takes microseconds: a marker there for over a second was left by a crash.
        try {
          unlinkSync(`${file}.break`);
        } catch {}
        busy = 0;
      } else {
        pause(10);
      }
    }
  } finally {
    try {
      unlinkSync(mine);
    } catch {}
  }
  throw new Error(`Could not take the lock ${file}; remove it if no bridge is running.`);
}
