/**
 * Starts a real `mss-bridge start` process for tests (private data directory, a free loopback port
 * by default) and offers a small protocol client to talk to it the way the extension does:
 * Origin header, session.hello, verifying the bridge's proof, session.authenticate.
 *
 *   const bridge = await startBridgeProcess({ args: ["--demo"] });
 *   const paired = await pairWithNativeHost(bridge, ORIGIN);     // a native-messaging host attached: its per-launch credential
 *   const c = await openClient(bridge.port, ORIGIN);
 *   await c.authenticate(paired.secret);                          // (the credential's launch id is remembered with it)
 *   await c.call("card.getState");
 *   await bridge.stop();                                          // SIGTERM, resolves with the exit code
 */
import { BRIDGE_NODE_FLAGS } from "../../bridge/app/node-flags.ts";
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { WS_PATH } from "../../shared/constants.ts";
import {
  boundBridgeProof,
  boundClientProof,
  bridgeProof,
  clientProof,
  base64ToBytes,
  openSecret,
  pairingProof,
  randomNonce,
  sameProof,
} from "../../shared/protocol/proofs.ts";
import type { HandOver } from "../../shared/protocol/native-hand-over.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol/version.ts";
import { encodeNativeMessage, NativeMessageDecoder } from "../../bridge/server/native-messaging.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CLI = path.join(REPO_ROOT, "bin", "mss-bridge.mjs");

/**
 * The single executable the suites run instead of bin/mss-bridge.mjs when MSS_BRIDGE_EXECUTABLE
 * names it (`npm run package` makes dist/sea/mss-bridge; `npm run test:executable` sets it).
 */
export const BRIDGE_EXECUTABLE: string | null = process.env.MSS_BRIDGE_EXECUTABLE ? path.resolve(process.env.MSS_BRIDGE_EXECUTABLE) : null;

/**
 * `mss-bridge` as the tests run it: the program and its first arguments. From the repository, Node
 * with bin/mss-bridge.mjs (preceded by `nodeFlags`, e.g. the bridge's own, which its shebang applies);
 * the executable takes no Node flags (its own are baked in).
 */
export function bridgeCommand(nodeFlags: readonly string[] = []): { file: string; args: string[] } {
  return BRIDGE_EXECUTABLE ? { file: BRIDGE_EXECUTABLE, args: [] } : { file: process.execPath, args: [...nodeFlags, CLI] };
}

/** A fixed, valid extension origin for tests. */
export const TEST_ORIGIN = "moz-extension://0b7a4f2e-1111-2222-3333-444455556666";

export interface BridgeProcessOptions {
  /** Data directory (default: a fresh temporary one). */
  dataDir?: string;
  /** WebSocket port (default 0: a free one; read it from `bridge.port`). */
  port?: number;
  /** More `start` options, e.g. ["--demo"], ["--module", path], ["--reader", name]. */
  args?: string[];
  /** Extra environment (HOME, SOFTHSM2_CONF, …). */
  env?: Record<string, string>;
  /** How long to wait for the bridge to listen. */
  startTimeoutMs?: number;
}

export interface BridgeProcess {
  pid: number;
  port: number;
  dataDir: string;
  url: string;
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Sends a signal (SIGTERM by default) and resolves with the exit code once the process ended. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Runs another `mss-bridge` command against the same data directory. */
  cli(args: string[], opts?: Omit<CliRunOptions, "dataDir">): Promise<CliResult>;
}

export interface CliRunOptions {
  dataDir?: string;
  env?: Record<string, string>;
  /** Bytes written to stdin (then stdin is closed). */
  input?: Buffer | string;
  timeoutMs?: number;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
}

export function tempDataDir(prefix = "mss-bridge-test-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Runs `mss-bridge <args> [--data-dir DIR]` to completion. */
export function runBridgeCli(args: string[], opts: CliRunOptions = {}): Promise<CliResult> {
  const self = bridgeCommand();
  const full = [...self.args, ...args, ...(opts.dataDir ? ["--data-dir", opts.dataDir] : [])];
  return new Promise((resolve, reject) => {
    const p = spawn(self.file, full, { env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"], cwd: os.tmpdir() });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on("data", (d: Buffer) => out.push(d));
    p.stderr.on("data", (d: Buffer) => err.push(d));
    const t = setTimeout(() => {
      p.kill("SIGKILL");
      reject(new Error(`mss-bridge ${args.join(" ")} timed out; stderr: ${Buffer.concat(err).toString()}`));
    }, opts.timeoutMs ?? 30_000);
    p.on("error", reject);
    p.on("close", (code) => {
      clearTimeout(t);
      const bytes = Buffer.concat(out);
      resolve({ code, stdout: bytes.toString("utf8"), stdoutBytes: bytes, stderr: Buffer.concat(err).toString("utf8") });
    });
    if (opts.input !== undefined) p.stdin.end(opts.input);
    else p.stdin.end();
  });
}

export async function startBridgeProcess(opts: BridgeProcessOptions = {}): Promise<BridgeProcess> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const self = bridgeCommand(BRIDGE_NODE_FLAGS);
  const args = [...self.args, "start", "--data-dir", dataDir, "--port", String(opts.port ?? 0), ...(opts.args ?? [])];
  const proc = spawn(self.file, args, { env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"], cwd: os.tmpdir() });
  let stdout = "";
  let stderr = "";
  proc.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  const runtimeFile = path.join(dataDir, "runtime.json");
  let port = 0;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`mss-bridge start exited with ${proc.exitCode}: ${stderr}`);
    if (existsSync(runtimeFile) && /listening on/.test(stdout)) {
      try {
        const rt = JSON.parse(readFileSync(runtimeFile, "utf8")) as { pid: number; port: number };
        if (rt.pid === proc.pid) {
          port = rt.port;
          break;
        }
      } catch {}
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`mss-bridge start did not listen in time; stderr: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    pid: proc.pid!,
    port,
    dataDir,
    url: `ws://127.0.0.1:${port}${WS_PATH}`,
    proc,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
    cli: (a, o = {}) => runBridgeCli(a, { ...o, dataDir }),
  };
}

/** A `mss-bridge native-host` process driven the way Thunderbird drives it (length-prefixed JSON on stdin/stdout). */
export interface NativeHost {
  proc: ChildProcess;
  pid: number;
  /** Every native message received so far. */
  messages: unknown[];
  /** The first native message (the hand-over, or an error), or rejects when the host exits first. */
  first: Promise<any>;
  /** Every byte the host wrote on stdout. */
  stdoutBytes(): Buffer;
  stderr(): string;
  exited: Promise<number | null>;
  send(msg: unknown): void;
  /** Closes stdin as Thunderbird does when the port closes; resolves with the exit code. */
  close(): Promise<number | null>;
}

export const THUNDERBIRD_ARGS = ["/path/to/mssante_bridge.json", "mssante-thunderbird@mss-bridge"] as const;

const liveHosts = new Set<NativeHost>();

/**
 * Starts a native-messaging host. Default: `bin/mss-bridge.mjs native-host --data-dir DIR` with the
 * two arguments Thunderbird passes; `command` runs another executable instead (the launcher that
 * `mss-bridge install` writes), with `args` as its arguments.
 */
export function startNativeHost(
  dataDir: string,
  opts: { args?: readonly string[]; env?: Record<string, string>; command?: string } = {},
): NativeHost {
  const args = opts.args ?? THUNDERBIRD_ARGS;
  const self = bridgeCommand();
  const [cmd, full] = opts.command ? [opts.command, [...args]] : [self.file, [...self.args, "native-host", "--data-dir", dataDir, ...args]];
  const proc = spawn(cmd, full, { env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"], cwd: "/" });
  const out: Buffer[] = [];
  let stderr = "";
  const messages: unknown[] = [];
  const decoder = new NativeMessageDecoder();
  let gotFirst!: (m: unknown) => void;
  let noFirst!: (e: Error) => void;
  const first = new Promise<any>((resolve, reject) => {
    gotFirst = resolve;
    noFirst = reject;
  });
  first.catch(() => undefined);
  proc.stdout!.on("data", (d: Buffer) => {
    out.push(d);
    for (const m of decoder.push(d)) {
      messages.push(m);
      if (messages.length === 1) gotFirst(m);
    }
  });
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  proc.stdin!.on("error", () => undefined);
  const exited = new Promise<number | null>((resolve) =>
    proc.on("exit", (code) => {
      liveHosts.delete(host);
      noFirst(new Error(`the native host exited (${code}) before its first message; stderr: ${stderr}`));
      resolve(code);
    }),
  );
  const host: NativeHost = {
    proc,
    pid: proc.pid!,
    messages,
    first,
    stdoutBytes: () => Buffer.concat(out),
    stderr: () => stderr,
    exited,
    send: (msg) => proc.stdin!.write(encodeNativeMessage(msg)),
    close() {
      proc.stdin!.end();
      return exited;
    },
  };
  liveHosts.add(host);
  return host;
}

/** Closes every native host this process started that still runs (test teardown). */
export async function closeNativeHosts(): Promise<void> {
  await Promise.all([...liveHosts].map((h) => h.close()));
}

/** The launch id of each credential a host handed over, so that `authenticate(secret)` names it in session.hello. */
const launchIds = new WeakMap<Uint8Array, string>();

/**
 * The native-messaging path as the extension takes it: a host attached to the bridge (it stays
 * attached, so the credential stays valid, until `host.close()` or the bridge stops) and the
 * per-launch credential it handed over. The credential belongs to the first origin that
 * authenticates with it, so each origin gets its own host.
 */
export async function pairWithNativeHost(
  bridge: { dataDir: string },
  _origin = TEST_ORIGIN,
): Promise<{ port: number; secret: Uint8Array<ArrayBuffer>; launchId: string; host: NativeHost }> {
  const host = startNativeHost(bridge.dataDir);
  const r = (await host.first) as HandOver;
  if (r?.type !== "bridge") throw new Error(`the native host handed nothing over: ${JSON.stringify(r)}`);
  const secret = base64ToBytes(r.credential);
  launchIds.set(secret, r.launchId);
  return { port: r.port, secret, launchId: r.launchId, host };
}

/**
 * The stored pairing, as a developer or IT sets it up with a service bridge: `mss-bridge pair`
 * shows a code, the extension (here `origin`) proves it and receives the persistent secret sealed
 * under it. Resolves with the secret once `pair` has exited.
 */
export async function pairWithCode(bridge: { dataDir: string; port: number }, origin = TEST_ORIGIN): Promise<Uint8Array<ArrayBuffer>> {
  const self = bridgeCommand();
  const pair = spawn(self.file, [...self.args, "pair", "--data-dir", bridge.dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: os.tmpdir(),
  });
  let out = "";
  pair.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((r) => pair.on("exit", (c) => r(c)));
  const deadline = Date.now() + 30_000;
  const shownCode = () => /\b([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})\b/.exec(out)?.[1];
  let code = shownCode();
  while (!code) {
    if (Date.now() > deadline || pair.exitCode !== null) {
      pair.kill("SIGKILL");
      throw new Error(`mss-bridge pair showed no code: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
    code = shownCode();
  }
  const c = await openClient(bridge.port, origin);
  try {
    const { pairingNonce } = await c.call("pairing.begin");
    const clientNonce = randomNonce();
    const done = await c.call("pairing.complete", { clientNonce, proof: await pairingProof(code, pairingNonce, clientNonce, origin) });
    const secret = await openSecret(done.sealedSecret, code, pairingNonce, clientNonce);
    if ((await exit) !== 0) throw new Error(`mss-bridge pair failed: ${out}`);
    return secret;
  } finally {
    c.close();
  }
}

export interface RpcError extends Error {
  code: number;
  data?: Record<string, unknown>;
}

export interface TestClient {
  ws: WebSocket;
  /** Notifications received so far (method + params). */
  notifications: { method: string; params: any }[];
  call<T = any>(method: string, params?: unknown): Promise<T>;
  /** Sends raw text (or a Buffer as a binary frame) and resolves with the next message, or rejects on close. */
  raw(data: string | Buffer): Promise<any>;
  /**
   * hello + verify the bridge's proof + authenticate (protocol 2). Throws if the bridge cannot prove
   * the secret. A per-launch credential from pairWithNativeHost is named in session.hello by its
   * launch id (remembered with it, or given as `launchId`).
   */
  authenticate(secret: Uint8Array<ArrayBuffer>, launchId?: string): Promise<void>;
  /** The same as an extension from before protocol 2 does it (proofs not bound to the port). */
  authenticateV1(secret: Uint8Array<ArrayBuffer>): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens a WebSocket as the extension would (Origin header set), resolves once open. */
export function openClient(
  port: number,
  origin: string | null = TEST_ORIGIN,
  opts: { host?: string; path?: string } = {},
): Promise<TestClient> {
  const headers: Record<string, string> = {};
  if (opts.host) headers.Host = opts.host;
  const ws = new WebSocket(`ws://127.0.0.1:${port}${opts.path ?? WS_PATH}`, {
    ...(origin !== null ? { origin } : {}),
    headers,
    perMessageDeflate: false,
  });
  let nextId = 1;
  const pending = new Map<number | string, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  const waiters: { resolve: (v: any) => void; reject: (e: Error) => void }[] = [];
  const notifications: { method: string; params: any }[] = [];
  let closeInfo: { code: number; reason: string } | null = null;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on("close", (code, reason) => {
      closeInfo = { code, reason: reason.toString() };
      const e = Object.assign(new Error(`closed ${code} ${reason.toString()}`), { code: -1 }) as RpcError;
      for (const p of pending.values()) p.reject(e);
      for (const w of waiters.splice(0)) w.reject(e);
      resolve(closeInfo);
    });
  });
  ws.on("message", (data) => {
    const msg = JSON.parse(data.toString());
    const w = waiters.shift();
    if (w) return w.resolve(msg);
    if (msg.method && msg.id === undefined) {
      notifications.push({ method: msg.method, params: msg.params });
      return;
    }
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code, data: msg.error.data }));
    else p.resolve(msg.result);
  });
  const client: TestClient = {
    ws,
    notifications,
    closed,
    call(method, params = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        if (closeInfo) return reject(Object.assign(new Error("closed"), { code: -1 }));
        pending.set(id, { resolve, reject });
        ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
      });
    },
    raw(data) {
      return new Promise((resolve, reject) => {
        if (closeInfo) return reject(Object.assign(new Error("closed"), { code: -1 }));
        waiters.push({ resolve, reject });
        ws.send(data);
      });
    },
    async authenticate(secret, launchId) {
      // Version 2 (the extension's): the proofs bind the port and Host this client connected to.
      const clientNonce = randomNonce();
      const launch = launchId ?? launchIds.get(secret);
      const hello = await client.call("session.hello", { protocolVersion: PROTOCOL_VERSION, clientNonce, ...(launch ? { launch } : {}) });
      if (hello.protocolVersion !== PROTOCOL_VERSION) throw new Error(`the bridge answered protocol ${hello.protocolVersion}`);
      const binding = { origin: origin ?? "", port, host: opts.host ?? `127.0.0.1:${port}` };
      const expected = await boundBridgeProof(secret, clientNonce, hello.bridgeNonce, binding, hello.paired);
      if (!hello.bridgeProof || !sameProof(expected, hello.bridgeProof)) throw new Error("the bridge could not prove the secret");
      if (!hello.paired) throw new Error("the bridge proved that this origin is not paired");
      await client.call("session.authenticate", { clientProof: await boundClientProof(secret, clientNonce, hello.bridgeNonce, binding) });
    },
    async authenticateV1(secret) {
      const clientNonce = randomNonce();
      const hello = await client.call("session.hello", { protocolVersion: 1, clientNonce });
      const expected = await bridgeProof(secret, clientNonce, hello.bridgeNonce, origin ?? "");
      if (!hello.bridgeProof || !sameProof(expected, hello.bridgeProof)) throw new Error("the bridge could not prove the secret");
      await client.call("session.authenticate", { clientProof: await clientProof(secret, clientNonce, hello.bridgeNonce, origin ?? "") });
    },
    close() {
      ws.close();
    },
  };
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(client));
    ws.once("unexpected-response", (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once("error", reject);
  });
}

/** A raw upgrade request with exactly the headers given; resolves with the HTTP status (101 = upgraded). */
export function upgradeStatus(
  port: number,
  headers: Record<string, string | undefined>,
  urlPath = WS_PATH,
  connectHost = "127.0.0.1",
): Promise<number> {
  const h: Record<string, string> = {
    Connection: "Upgrade",
    Upgrade: "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
  };
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) h[k] = v;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: connectHost, port, path: urlPath, headers: h, setHost: headers.Host !== undefined });
    req.on("upgrade", (_res, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}
