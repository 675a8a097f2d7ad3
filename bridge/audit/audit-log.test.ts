import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { FileAuditLog, formatAuditLine } from "./audit-log.ts";
import { ErrorCode } from "../../shared/protocol/errors.ts";

describe("audit log", () => {
  it("writes date, operation, origin, result as one JSON line", () => {
    const line = formatAuditLine("directory.search", "moz-extension://abc", "ok", new Date("2026-01-02T03:04:05Z"));
    expect(JSON.parse(line)).toEqual({ time: "2026-01-02T03:04:05.000Z", operation: "directory.search", origin: "moz-extension://abc", result: "ok" });
  });
  it("names error codes and refuses odd operation names", () => {
    const rec = JSON.parse(formatAuditLine("evil\nname with spaces", null, ErrorCode.AUTHENTICATION_FAILED));
    expect(rec.operation).toBe("(invalid)");
    expect(rec.origin).toBe("(none)");
    expect(rec.result).toBe("AUTHENTICATION_FAILED");
  });
  it("rotates past its size cap, keeping one previous file, both user-only", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "audit-"));
    const f = path.join(dir, "audit.log");
    const a = new FileAuditLog(f, 1000);
    for (let i = 0; i < 100; i++) a.record("directory.search", "moz-extension://x", "ok");
    a.close();
    expect(statSync(f).size).toBeLessThan(1000 + 200);
    expect(statSync(f + ".1").size).toBeGreaterThanOrEqual(1000);
    expect(statSync(f + ".1").size).toBeLessThan(1000 + 200);
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(statSync(f + ".1").mode & 0o777).toBe(0o600);
  });
  it("appends to a user-only file", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "audit-"));
    const f = path.join(dir, "audit.log");
    const a = new FileAuditLog(f);
    a.record("session.hello", "moz-extension://x", "ok");
    a.close();
    const b = new FileAuditLog(f);
    b.record("card.getState", "moz-extension://x", "ok");
    b.close();
    expect(readFileSync(f, "utf8").trim().split("\n")).toHaveLength(2);
    expect(statSync(f).mode & 0o777).toBe(0o600);
  });
});
