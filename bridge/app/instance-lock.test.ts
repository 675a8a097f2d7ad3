import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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

describe("instance lock: a pid reused after a reboot or by another process", () => {
  const lockWith = (content: object) => {
    const f = path.join(mkdtempSync(path.join(os.tmpdir(), "lock-")), "bridge.lock");
    writeFileSync(f, JSON.stringify(content));
    return f;
  };
  // Injected: what this machine says about boots and process start times.
  const probe = (startTimes: Record<number, string>) => ({
    bootId: () => "boot-now",
    startTime: (pid: number) => startTimes[pid] ?? null,
    bootTimeMs: () => 1_000,
  });

  it("replaces a lock naming a live pid that belongs to a process started at another time", () => {
    const f = lockWith({ pid: process.ppid, bootId: "boot-now", procStart: "111" });
    acquireInstanceLock(f, probe({ [process.ppid]: "222" })).release();
  });

  it("replaces a lock written before the last reboot (another boot id)", () => {
    const f = lockWith({ pid: process.ppid, bootId: "boot-before", procStart: "222" });
    acquireInstanceLock(f, probe({ [process.ppid]: "222" })).release();
  });

  it("still refuses when the pid, the boot and the start time all match", () => {
    const f = lockWith({ pid: process.ppid, bootId: "boot-now", procStart: "222" });
    expect(() => acquireInstanceLock(f, probe({ [process.ppid]: "222" }))).toThrow(AlreadyRunningError);
  });

  it.runIf(process.platform === "linux")(
    "on Linux, reads the real start time: our parent, named with a wrong one, is not the owner",
    () => {
      const f = lockWith({ pid: process.ppid, startedAt: "2020-01-01T00:00:00.000Z", bootId: "x", procStart: "1" });
      acquireInstanceLock(f).release();
      // …and a lock this process writes names its own start time and boot.
      const g = path.join(mkdtempSync(path.join(os.tmpdir(), "lock-")), "bridge.lock");
      const l = acquireInstanceLock(g);
      const written = JSON.parse(readFileSync(g, "utf8")) as { bootId?: string; procStart?: string };
      expect(written.bootId).toMatch(/^[0-9a-f-]{36}$/);
      expect(written.procStart).toMatch(/^\d+$/);
      expect(() => acquireInstanceLock(g)).not.toThrow(); // same pid: our own lock is ours
      l.release();
    },
  );
});
