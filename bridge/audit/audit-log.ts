/**
 * Append-only audit log of what was asked and by whom: one JSON line per operation with the date,
 * the operation (method or control command), the origin and the result (ok or an error code name).
 * By construction it receives no params: no query text, no address, no identifier, no secret.
 */
import { closeSync, fchmodSync, fstatSync, openSync, renameSync, writeSync } from "node:fs";
import { errorName } from "../../shared/protocol/errors.ts";

export interface AuditRecord {
  time: string;
  operation: string;
  origin: string;
  result: string; // "ok" or an error code name ("AUTHENTICATION_FAILED", …)
}

export interface AuditSink {
  record(operation: string, origin: string | null, result: "ok" | number | string): void;
  close(): void;
}

/** Origins are `moz-extension://<uuid>`, "control" or "native-host"; anything else is cut short. */
function safeOrigin(origin: string | null): string {
  if (!origin) return "(none)";
  return origin.length > 100 ? origin.slice(0, 100) + "…" : origin;
}

/** Operation names come from our own method list; an unknown one is not written verbatim. */
function safeOperation(op: string): string {
  return /^[a-z][A-Za-z.\-]{0,63}$/.test(op) ? op : "(invalid)";
}

export function formatAuditLine(operation: string, origin: string | null, result: "ok" | number | string, now = new Date()): string {
  const rec: AuditRecord = {
    time: now.toISOString(),
    operation: safeOperation(operation),
    origin: safeOrigin(origin),
    result: typeof result === "number" ? errorName(result) : result,
  };
  return JSON.stringify(rec) + "\n";
}

/** The audit log is rotated past this size (one previous file kept: `audit.log.1`). */
export const AUDIT_LOG_MAX_BYTES = 5 * 1024 * 1024;

export class FileAuditLog implements AuditSink {
  private fd: number | null;
  private size: number;
  constructor(
    private readonly file: string,
    private readonly maxBytes = AUDIT_LOG_MAX_BYTES,
  ) {
    this.fd = this.open();
    this.size = fstatSync(this.fd).size;
  }
  private open(): number {
    // O_APPEND: every write lands at the end, even with another writer.
    const fd = openSync(this.file, "a", 0o600);
    if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, 0o600);
    return fd;
  }
  record(operation: string, origin: string | null, result: "ok" | number | string): void {
    if (this.fd === null) return;
    try {
      if (this.size >= this.maxBytes) this.rotate();
      this.size += writeSync(this.fd, formatAuditLine(operation, origin, result));
    } catch {
      // a full disk must not stop the bridge from answering
    }
  }
  /** Bounded disk use whatever the traffic: the current file becomes `.1`, replacing the older one. */
  private rotate(): void {
    closeSync(this.fd!);
    this.fd = null;
    renameSync(this.file, this.file + ".1");
    this.fd = this.open();
    this.size = 0;
  }
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Keeps records in memory (unit tests). */
export class MemoryAuditLog implements AuditSink {
  readonly lines: string[] = [];
  record(operation: string, origin: string | null, result: "ok" | number | string): void {
    this.lines.push(formatAuditLine(operation, origin, result));
  }
  close(): void {}
}
