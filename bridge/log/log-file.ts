/**
 * The data directory's log file (`bridge.log`, 0600) for the processes Thunderbird starts: the
 * native-messaging host, whose stdout is the native port, and the bridge it starts, which has no
 * terminal. Appended to by both (O_APPEND: whole lines, never interleaved mid-line); renamed to
 * `bridge.log.1` once it passes MAX_LOG_BYTES, so it stays bounded.
 */
import { chmodSync, closeSync, openSync, renameSync, statSync, writeSync } from "node:fs";

export const MAX_LOG_BYTES = 4 * 1024 * 1024;

/** Opens the log file for appending (rotating it first when too big); returns its descriptor. */
export function openLogFile(file: string, maxBytes = MAX_LOG_BYTES): number {
  try {
    if (statSync(file).size > maxBytes) renameSync(file, `${file}.1`);
  } catch {
    // absent: created below
  }
  const fd = openSync(file, "a", 0o600);
  try {
    chmodSync(file, 0o600);
  } catch {}
  return fd;
}

/** A logger `write` function appending lines to an open log file; a write failure is dropped. */
export function logFileWriter(fd: number): (line: string) => void {
  return (line) => {
    try {
      writeSync(fd, `${line}\n`);
    } catch {
      // a full disk must never take the host down
    }
  };
}

export function closeLogFile(fd: number): void {
  try {
    closeSync(fd);
  } catch {}
}
