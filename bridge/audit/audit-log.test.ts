import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { FileAuditLog, formatAuditLine } from "./audit-log.ts";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import { createLogger } from "../log/logger.ts";

describe("audit log", () => {
  it("writes date, operation, origin, result as one JSON line", () => {
    const line = formatAuditLine("directory.search", "moz-extension://abc", "ok", new Date("2026-01-02T03:04:05Z"));
    expect(JSON.parse(line)).toEqual({
      time: "2026-01-02T03:04:05.000Z",
      operation: "directory.search",
      origin: "moz-extension://abc",
      result: "ok",
    });
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
    expect(statSync(`${f}.1`).size).toBeGreaterThanOrEqual(1000);
    expect(statSync(`${f}.1`).size).toBeLessThan(1000 + 200);
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(statSync(`${f}.1`).mode & 0o777).toBe(0o600);
  });
  it("keeps appending when the rotation fails, warns once, and rotates again once it can", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "audit-"));
    const f = path.join(dir, "audit.log");
    // The rotation target cannot be replaced (a non-empty directory: true even for root).
    mkdirSync(`${f}.1`);
    writeFileSync(path.join(`${f}.1`, "keep"), "");
    const logged: string[] = [];
    const a = new FileAuditLog(f, 1000, createLogger({ write: (l) => logged.push(l), component: "audit" }));
    for (let i = 0; i < 100; i++) a.record("directory.search", "moz-extension://x", "ok");
    const lines = () => readFileSync(f, "utf8").trim().split("\n");
    expect(lines()).toHaveLength(100); // nothing dropped
    const warnings = logged.map((l) => JSON.parse(l)).filter((r) => r.level === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0].msg).toMatch(/could not be rotated.*Check that the data directory is writable/);
    expect(warnings[0].file).toBe(f);

    rmSync(`${f}.1`, { recursive: true });
    for (let i = 0; i < 5; i++) a.record("directory.search", "moz-extension://x", "ok");
    a.close();
    // The oversized file became .1 whole; the new records start a new file.
    expect(readFileSync(`${f}.1`, "utf8").trim().split("\n")).toHaveLength(100);
    expect(lines()).toHaveLength(5);
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(logged.map((l) => JSON.parse(l).msg)).toContain("the audit log rotates again");
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
