/**
 * Append-only audit log of what was asked and by whom: one JSON line per operation with the date,
 * the operation (method or control command), the origin and the result (ok or an error code name).
 * By construction it receives no params: no query text, no address, no identifier, no secret.
 */
import { closeSync, fchmodSync, fstatSync, openSync, renameSync, writeSync } from "node:fs";
import { errorName } from "../../shared/protocol/errors.ts";
import { createLogger, type Logger } from "../log/logger.ts";

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
  return origin.length > 100 ? `${origin.slice(0, 100)}…` : origin;
}

/** Operation names come from our own method list; an unknown one is not written verbatim. */
function safeOperation(op: string): string {
  return /^[a-z][A-Za-z.-]{0,63}$/.test(op) ? op : "(invalid)";
}

export function formatAuditLine(operation: string, origin: string | null, result: "ok" | number | string, now = new Date()): string {
  const rec: AuditRecord = {
    time: now.toISOString(),
    operation: safeOperation(operation),
    origin: safeOrigin(origin),
    result: typeof result === "number" ? errorName(result) : result,
  };
  return `${JSON.stringify(rec)}\n`;
}

/** The audit log is rotated past this size (one previous file kept: `audit.log.1`). */
export const AUDIT_LOG_MAX_BYTES = 5 * 1024 * 1024;

export class FileAuditLog implements AuditSink {
  private fd: number | null;
  private size: number;
  /** Size at which the next rotation is tried (raised after a failed one, so it is not retried on every record). */
  private rotateAt: number;
  private rotationWarned = false;
  /** The open file was renamed to `.1` but no new file could be opened yet. */
  private movedAway = false;
  constructor(
    private readonly file: string,
    private readonly maxBytes = AUDIT_LOG_MAX_BYTES,
    private readonly log: Logger = createLogger({ component: "audit" }),
  ) {
    this.fd = this.open();
    this.size = fstatSync(this.fd).size;
    this.rotateAt = maxBytes;
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
      if (this.size >= this.rotateAt) this.rotate();
      this.size += writeSync(this.fd, formatAuditLine(operation, origin, result));
    } catch {
      // a full disk must not stop the bridge from answering
    }
  }
  /**
   * Bounded disk use whatever the traffic: the current file becomes `.1`, replacing the older one.
   * Failure-safe: the file is renamed while still open, so when the rename (or opening the new
   * file) fails, records keep going to the handle already open, and one warning says what to check.
   * The rotation is tried again after another tenth of the cap.
   */
  private rotate(): void {
    const fd = this.fd!;
    try {
      if (!this.movedAway) {
        renameSync(this.file, `${this.file}.1`);
        this.movedAway = true;
      }
      this.fd = this.open();
      this.movedAway = false;
    } catch (e) {
      this.rotateAt = this.size + Math.max(1, Math.floor(this.maxBytes / 10));
      if (!this.rotationWarned) {
        this.rotationWarned = true;
        this.log.warn(
          !this.movedAway
            ? "the audit log could not be rotated; it keeps growing past its cap until it can. Check that the data directory is writable by this user and that audit.log.1 is a plain file it may replace"
            : "the audit log was rotated but a new file could not be created; records go on into audit.log.1. Check that the data directory is writable by this user and the disk is not full",
          { file: this.file, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message },
        );
      }
      return;
    }
    try {
      closeSync(fd);
    } catch {
      /* the new file is open; the old handle is gone either way */
    }
    this.size = 0;
    this.rotateAt = this.maxBytes;
    if (this.rotationWarned) {
      this.rotationWarned = false;
      this.log.info("the audit log rotates again", { file: this.file });
    }
  }
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
