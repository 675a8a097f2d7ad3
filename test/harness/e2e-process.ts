/**
 * Small process and network helpers shared by the end-to-end daemons (Dovecot, Postfix,
 * Thunderbird, the bridge process): free loopback ports, waiting for a port or a log line, and
 * starting a daemon whose PID we own so that it is stopped by PID (never by name), also when the
 * test process exits early.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** A loopback TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export async function canConnect(port: number, host = "127.0.0.1"): Promise<boolean> {
  return await new Promise((resolve) => {
    const s = net.connect({ port, host });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** Polls `check` until it returns a truthy value or the time is up (then throws `what`). */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 50): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function readIfExists(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

/** Waits until a log file matches `re` (searching only after `fromOffset`), returns the match. */
export async function waitForLog(file: string, re: RegExp, timeoutMs = 10_000, fromOffset = 0): Promise<RegExpMatchArray> {
  return await waitFor(`${re} in ${file}`, () => readIfExists(file).slice(fromOffset).match(re), timeoutMs, 100);
}

const owned = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashed test must not leave our daemons behind; only the children we started are touched.
  process.on("exit", () => {
    for (const c of owned) {
      if (c.pid && c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(c.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      }
    }
  });
}

export interface Daemon {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Output (stdout + stderr) captured so far, for error messages. */
  output(): string;
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a long-running process we own. Its output is captured (never printed). */
export function startDaemon(cmd: string, args: string[], opts: SpawnOptions = {}): Daemon {
  installExitHook();
  const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const keep = (b: Buffer) => {
    out += b.toString("utf8");
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  owned.add(child);
  const gone = new Promise<void>((resolve) => {
    child.once("exit", () => {
      owned.delete(child);
      resolve();
    });
    child.once("error", (e) => {
      out += `\n[spawn error] ${e.message}`;
      owned.delete(child);
      resolve();
    });
  });
  return {
    get pid() {
      return child.pid ?? -1;
    },
    child,
    output: () => out,
    exited: () => child.exitCode !== null || child.signalCode !== null || child.pid === undefined,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await gone;
      clearTimeout(t);
    },
  };
}

/** Runs a short command to completion; throws with its output when it fails. */
export async function run(cmd: string, args: string[], opts: SpawnOptions & { input?: string } = {}): Promise<string> {
  return await new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout?.on("data", (b: Buffer) => (out += b.toString("utf8")));
    child.stderr?.on("data", (b: Buffer) => (out += b.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${out.trim()}`))));
    if (opts.input !== undefined) {
      child.stdin?.on("error", () => undefined); // a command that exits early must not crash us
      child.stdin?.end(opts.input);
    }
  });
}
