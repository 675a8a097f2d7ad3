/**
 * pcscd for tests.
 *
 * - The machine's pcscd (fixed socket /run/pcscd/pcscd.comm, one per machine): `ensureSystemPcscd`
 *   reuses a running one or starts `pcscd -f -a`, and says whether it started it, so the caller
 *   stops only what it started (test/harness/global-setup.ts does this once per test run).
 * - A private pcscd (`startPrivatePcscd`, root only): its own mount namespace with a tmpfs over
 *   /run/pcscd, so it runs beside the machine's pcscd without touching it, with its own vpcd ports.
 *   Clients reach it through PCSCLITE_CSOCK_NAME (honoured by libpcsclite) pointing at a stable
 *   symlink into the namespace. Tests that stop and restart pcscd use this one, so they never
 *   disturb other suites using the machine's pcscd.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  closeSync,
} from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SKIP_FILE, isCI, missingComponents } from "./require-component.ts";

export const PCSCD_DIR = "/run/pcscd";
export const PCSCD_SOCKET = `${PCSCD_DIR}/pcscd.comm`;
export const PCSCD_PID_FILE = `${PCSCD_DIR}/pcscd.pid`;
export const VPCD_LIB = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid of the machine's running pcscd, or null. */
export function runningPcscdPid(): number | null {
  if (!existsSync(PCSCD_SOCKET)) return null;
  try {
    // pcscd writes "<pid>\n\0".
    const pid = parseInt(readFileSync(PCSCD_PID_FILE, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
  } catch {
    return null;
  }
}

export function pcscdInstalled(): boolean {
  try {
    execFileSync("sh", ["-c", "command -v pcscd"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Waits until `pid` has exited; SIGKILL after `graceMs`. */
export async function stopPid(pid: number, graceMs = 5000): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const end = Date.now() + graceMs;
  while (alive(pid) && Date.now() < end) await sleep(50);
  if (alive(pid)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
    await waitFor(() => !alive(pid), 2000, `pid ${pid} to end`);
  }
}

export interface SystemPcscd {
  pid: number;
  /** True when this call started it (then the caller stops it with stop()). */
  startedHere: boolean;
  logFile: string | null;
  stop(): Promise<void>;
}

/**
 * Reuses the machine's pcscd, or starts one (`pcscd -f -a`, logs to a temp file). Needs root.
 * If another process starts one at the same moment, that one is reused.
 */
export async function ensureSystemPcscd(): Promise<SystemPcscd> {
  const running = runningPcscdPid();
  if (running) return { pid: running, startedHere: false, logFile: null, stop: async () => {} };
  mkdirSync(PCSCD_DIR, { recursive: true });
  const logDir = mkdtempSync(path.join(os.tmpdir(), "pcscd-"));
  const logFile = path.join(logDir, "pcscd.log");
  const fd = openSync(logFile, "a");
  const child = spawn("pcscd", ["-f", "-a"], { stdio: ["ignore", fd, fd], detached: false });
  closeSync(fd);
  let exited = false;
  child.once("exit", () => (exited = true));
  try {
    await waitFor(() => exited || runningPcscdPid() !== null, 5000, "pcscd to create its socket");
  } catch (e) {
    child.kill("SIGKILL");
    throw e;
  }
  const pid = runningPcscdPid();
  if (exited || pid !== child.pid) {
    // Lost a race with another starter: use theirs, stop nothing.
    if (pid) return { pid, startedHere: false, logFile: null, stop: async () => {} };
    throw new Error(`pcscd exited at once; see ${logFile}`);
  }
  // The vpcd reader driver is loaded right after the socket appears.
  await sleep(300);
  return {
    pid,
    startedHere: true,
    logFile,
    stop: async () => {
      await stopPid(pid);
    },
  };
}

// ---- sharing the machine's pcscd between concurrent test runs --------------------------------
//
// Several test runs may overlap on one machine (developers running suites side by side). Each run
// takes a lease; the run that finds no pcscd starts one and records it as harness-started; the
// last run to leave stops it, but only if it is still that harness-started pcscd. A pcscd that
// was running before any harness is never stopped.

const LEASE_DIR = path.join(os.tmpdir(), "mss-pcscd-leases");
const STARTED_FILE = path.join(LEASE_DIR, "harness-started.pid");
const LOCK_DIR = path.join(LEASE_DIR, "lock");

async function withLeaseLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(LEASE_DIR, { recursive: true });
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(path.join(LOCK_DIR, "owner"), String(process.pid));
      break;
    } catch {
      // A lock left by a run that died is stale.
      let owner = NaN;
      try {
        owner = parseInt(readFileSync(path.join(LOCK_DIR, "owner"), "utf8"), 10);
      } catch {
        /* being created */
      }
      if (Number.isInteger(owner) && !alive(owner)) rmSync(LOCK_DIR, { recursive: true, force: true });
      else if (Date.now() > end) throw new Error(`Timed out waiting for the pcscd lease lock ${LOCK_DIR}`);
      await sleep(50);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

let leaseCount = 0;

/** Other live leases (a lease file is named after the pid of the run holding it). */
function liveLeases(exceptFile: string): number[] {
  const pids: number[] = [];
  for (const f of readdirSync(LEASE_DIR)) {
    const m = /^lease-(\d+)-\d+$/.exec(f);
    if (!m || f === exceptFile) continue;
    const pid = Number(m[1]);
    if (alive(pid)) pids.push(pid);
    else rmSync(path.join(LEASE_DIR, f), { force: true });
  }
  return pids;
}

export interface PcscdLease {
  pid: number;
  /** This run started pcscd (it may still be left running for another run when released). */
  startedHere: boolean;
  release(): Promise<void>;
}

/** Takes a lease on the machine's pcscd for this process, starting it if none runs. Needs root. */
export async function leaseSystemPcscd(): Promise<PcscdLease> {
  const leaseFile = `lease-${process.pid}-${++leaseCount}`;
  const p = await withLeaseLock(async () => {
    const got = await ensureSystemPcscd();
    if (got.startedHere) writeFileSync(STARTED_FILE, String(got.pid));
    writeFileSync(path.join(LEASE_DIR, leaseFile), String(got.pid));
    return got;
  });
  return {
    pid: p.pid,
    startedHere: p.startedHere,
    release: () =>
      withLeaseLock(async () => {
        rmSync(path.join(LEASE_DIR, leaseFile), { force: true });
        if (liveLeases(leaseFile).length > 0) return;
        let started = NaN;
        try {
          started = parseInt(readFileSync(STARTED_FILE, "utf8"), 10);
        } catch {
          return; // pcscd was not started by a harness: leave it alone
        }
        rmSync(STARTED_FILE, { force: true });
        if (started === runningPcscdPid()) await stopPid(started);
      }),
  };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host: "0.0.0.0", exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * A base port whose two vpcd slots (base, base + 1) are free right now, picked at random in
 * [from, to): overlapping test runs then do not fight over a fixed port. Private readers listen
 * below Linux's ephemeral range (32768–60999): a port in it can be taken at any moment by the local
 * end of some outgoing connection, and vpcd then silently has no reader.
 */
export const PRIVATE_VPCD_PORTS = { from: 30000, to: 32000 } as const;
export async function freeVpcdBasePort(from: number = PRIVATE_VPCD_PORTS.from, to: number = 31900): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const base = from + 2 * Math.floor((Math.random() * (to - from)) / 2);
    if ((await portFree(base)) && (await portFree(base + 1))) return base;
  }
  throw new Error(`No free pair of ports for vpcd in ${from}-${to}`);
}

export interface PrivatePcscdOptions {
  /** First vpcd port (slot 0); slot 1 listens on basePort + 1. Pick a port no other suite uses. */
  basePort: number;
  /** Reader name prefix (pcscd appends " 00 00", " 00 01"). */
  friendlyName?: string;
}

export interface PrivatePcscd {
  readonly dir: string;
  readonly basePort: number;
  readonly friendlyName: string;
  /** Stable path to the private socket (a symlink into the namespace); valid across restarts. */
  readonly socketPath: string;
  /** Environment for a PC/SC client to use this pcscd instead of the machine's. */
  readonly env: { PCSCLITE_CSOCK_NAME: string };
  readonly pid: number | null;
  readerName(slot?: number): string;
  /** Renames the reader (takes effect at the next start): after a restart the old reader is gone. */
  rename(friendlyName: string): void;
  start(): Promise<void>;
  /** Stops pcscd (SIGTERM; SIGKILL with hard=true, as a crash would). */
  stop(hard?: boolean): Promise<void>;
  /** Stops and removes the temp directory. */
  dispose(): Promise<void>;
}

/**
 * missingComponents() for card suites: pcscd, root, and the vpcd driver (a library, not a command).
 * `privatePcscd: true` also needs unshare (util-linux) for the namespace.
 */
export function missingPcscComponents(suite: string, opts: { privatePcscd?: boolean } = {}): string | null {
  const reason = missingComponents(suite, ["pcscd", "root", ...(opts.privatePcscd ? ["unshare"] : [])]);
  if (reason) return reason;
  if (existsSync(VPCD_LIB)) return null;
  const why = `${suite}: missing ${VPCD_LIB} (vsmartcard-vpcd; run scripts/setup as root)`;
  if (isCI()) throw new Error(`CI=true and ${why}`);
  mkdirSync(path.dirname(SKIP_FILE), { recursive: true });
  appendFileSync(SKIP_FILE, `${why}\n`);
  return why;
}

export function canRunPrivatePcscd(): boolean {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return false;
  try {
    execFileSync("sh", ["-c", "command -v unshare && command -v pcscd"], { stdio: "ignore" });
  } catch {
    return false;
  }
  return existsSync(VPCD_LIB);
}

/** Creates (does not start) a private pcscd with a vpcd reader on `basePort`. */
export function privatePcscd(opts: PrivatePcscdOptions): PrivatePcscd {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pcscd-private-"));
  let friendlyName = opts.friendlyName ?? "Test PCD";
  const confDir = path.join(dir, "reader.conf.d");
  mkdirSync(confDir);
  const channel = `0x${opts.basePort.toString(16).toUpperCase()}`;
  const writeConf = () =>
    writeFileSync(
      path.join(confDir, "vpcd"),
      `FRIENDLYNAME "${friendlyName}"\nDEVICENAME   /dev/null:${channel}\nLIBPATH      ${VPCD_LIB}\nCHANNELID    ${channel}\n`,
    );
  writeConf();
  const socketPath = path.join(dir, "pcscd.comm");
  const logFile = path.join(dir, "pcscd.log");
  let child: ChildProcess | null = null;

  const self: PrivatePcscd = {
    dir,
    basePort: opts.basePort,
    get friendlyName() {
      return friendlyName;
    },
    socketPath,
    env: { PCSCLITE_CSOCK_NAME: socketPath },
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? (child.pid ?? null) : null;
    },
    readerName: (slot = 0) => `${friendlyName} 00 0${slot}`,
    rename(name: string) {
      friendlyName = name;
      writeConf();
    },
    async start() {
      if (self.pid) return;
      mkdirSync(PCSCD_DIR, { recursive: true });
      rmSync(socketPath, { force: true });
      // Inside the new namespace /run/pcscd is a private tmpfs; $$ is pcscd's pid after exec, so
      // /proc/$$/root/run/pcscd/pcscd.comm reaches its socket from outside the namespace.
      const script = `mount -t tmpfs tmpfs ${PCSCD_DIR} && ln -sfn /proc/$$/root${PCSCD_SOCKET} '${socketPath}' && exec pcscd -f -c '${confDir}'`;
      const fd = openSync(logFile, "a");
      child = spawn("unshare", ["-m", "--propagation", "private", "sh", "-c", script], { stdio: ["ignore", fd, fd] });
      closeSync(fd);
      const c = child;
      await waitFor(() => c.exitCode !== null || existsSync(socketPath), 5000, `the private pcscd socket (log: ${logFile})`);
      if (c.exitCode !== null) throw new Error(`private pcscd exited with ${c.exitCode}; see ${logFile}`);
      await sleep(300); // vpcd listeners come up right after the socket
    },
    async stop(hard = false) {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null || c.signalCode !== null || !c.pid) return;
      const done = new Promise<void>((r) => c.once("exit", () => r()));
      if (hard) c.kill("SIGKILL");
      else await stopPid(c.pid);
      await done;
      rmSync(socketPath, { force: true });
    },
    async dispose() {
      await self.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}
