import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { acquireInstanceLock, AlreadyRunningError } from "./instance-lock.ts";

describe("instance lock", () => {
  it("refuses a second holder while the first runs, and frees on release", () => {
    const f = path.join(mkdtempSync(path.join(os.tmpdir(), "lock-")), "bridge.lock");
    // Another live process (our parent) holds it.
    writeFileSync(f, JSON.stringify({ pid: process.ppid }));
    expect(() => acquireInstanceLock(f)).toThrow(AlreadyRunningError);
  });
  it("replaces a stale lock whose pid is gone", () => {
    const f = path.join(mkdtempSync(path.join(os.tmpdir(), "lock-")), "bridge.lock");
    writeFileSync(f, JSON.stringify({ pid: 2 ** 22 + 12345 }));
    const l = acquireInstanceLock(f);
    expect(existsSync(f)).toBe(true);
    l.release();
    expect(existsSync(f)).toBe(false);
  });
  it("replaces a garbled lock", () => {
    const f = path.join(mkdtempSync(path.join(os.tmpdir(), "lock-")), "bridge.lock");
    writeFileSync(f, "{");
    acquireInstanceLock(f).release();
  });
});
