import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
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

/**
 * Real processes racing for one lock, released together (each waits for "go" on stdin after saying
 * it is ready): what happens when two Thunderbird profiles start their bridges at the same instant.
 */
describe("instance lock: processes starting at the same instant", () => {
  const lockModule = fileURLToPath(new URL("./instance-lock.ts", import.meta.url));
  const racer = `
    import { acquireInstanceLock } from ${JSON.stringify(lockModule)};
    process.stdout.write("ready\\n");
    process.stdin.once("data", () => {
      let held = null;
      try { held = acquireInstanceLock(process.argv[1]); process.stdout.write("won\\n"); }
      catch (e) { process.stdout.write(e.name === "AlreadyRunningError" ? "refused\\n" : "error " + e.message + "\\n"); }
      setTimeout(() => { held?.release(); process.exit(0); }, 400);
    });`;

  async function race(file: string, n: number): Promise<string[]> {
    const children = Array.from({ length: n }, () =>
      spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", racer, file], { stdio: ["pipe", "pipe", "inherit"] }),
    );
    const outputs = children.map((c) => {
      let out = "";
      c.stdout.on("data", (d: Buffer) => (out += d.toString()));
      return { read: () => out, exited: new Promise((r) => c.once("exit", r)) };
    });
    while (!outputs.every((o) => o.read().includes("ready"))) await new Promise((r) => setTimeout(r, 10));
    for (const c of children) c.stdin.write("go\n");
    await Promise.all(outputs.map((o) => o.exited));
    return outputs.map((o) => o.read().replace("ready\n", "").trim());
  }

  it("with no lock there, exactly one of eight wins, each time", async () => {
    for (let round = 0; round < 3; round++) {
      const dir = mkdtempSync(path.join(os.tmpdir(), "lock-race-"));
      const results = await race(path.join(dir, "bridge.lock"), 8);
      expect(results.filter((r) => r === "won")).toHaveLength(1);
      expect(results.filter((r) => r === "refused")).toHaveLength(7);
      expect(readdirSync(dir)).toEqual([]); // released, no private or marker file left
    }
  }, 60_000);

  it("with a stale lock there, exactly one of eight replaces it, each time", async () => {
    for (let round = 0; round < 3; round++) {
      const dir = mkdtempSync(path.join(os.tmpdir(), "lock-race-"));
      const f = path.join(dir, "bridge.lock");
      writeFileSync(f, JSON.stringify({ pid: 2 ** 22 + 12345 }));
      const results = await race(f, 8);
      expect(results.filter((r) => r === "won")).toHaveLength(1);
      expect(results.filter((r) => r === "refused")).toHaveLength(7);
      expect(readdirSync(dir)).toEqual([]);
    }
  }, 60_000);
});
