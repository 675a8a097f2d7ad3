/**
 * The card's PKCS#11 token, seen from the bridge: identity, PIN state, token list.
 *
 * PKCS#11 runs OFF the event loop, in a child process (token-worker.ts): vendor middleware that
 * hangs or crashes must not take the bridge down. Each operation has a timeout; on a timeout or a
 * crash the child is killed and a fresh one is started by the next call. The child never logs in
 * and cannot sign: the bridge never handles a PIN.
 */
import { childEntry } from "../platform/child-entry.ts";
import { fork, type ChildProcess } from "node:child_process";
import type { CardIdentity, PinStatus } from "../../shared/domain/identity.ts";
import { BridgeError, ErrorCode, type ErrorCodeName } from "../../shared/protocol/errors.ts";
import { parseCardIdentity } from "./parse-identity.ts";
import { pinStatusFromFlags } from "./pin-state.ts";
import type {
  BoundReader,
  CertificateRead,
  TokenFlagsRead,
  TokenInfo,
  WorkerOp,
  WorkerReady,
  WorkerReply,
  WorkerRequest,
  WorkerResult,
} from "./worker-protocol.ts";

export type { BoundReader, TokenInfo } from "./worker-protocol.ts";
export { TEST_FAKE_ENV } from "./pkcs11-test-fake.ts";

export interface TokenOptions {
  /** The PKCS#11 module (from the card database, the config or --module; never from a client). */
  modulePath: string;
  /** Per-operation timeout. */
  timeoutMs: number;
  /** Extra environment for the child (e.g. SOFTHSM2_CONF), over the bridge's own. */
  env?: NodeJS.ProcessEnv;
}

/** How long a fresh child may take to load tsx and start (on top of the operation's timeout). */
const STARTUP_TIMEOUT_MS = 20_000;
/** How long close() waits for the child to finalize the module before killing it. */
const CLOSE_GRACE_MS = 2_000;

interface Pending {
  id: number;
  op: WorkerOp;
  reader?: BoundReader;
  child: Worker;
  resolve(result: WorkerResult): void;
  reject(error: BridgeError): void;
  timer: NodeJS.Timeout | undefined;
  sent: boolean;
}

interface Worker {
  process: ChildProcess;
  ready: boolean;
  startupTimer: NodeJS.Timeout | undefined;
}

export class TokenClient {
  private worker: Worker | null = null;
  private generation = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(private readonly opts: TokenOptions) {}

  /**
   * Reads the authentication certificate (no login) and parses the holder's identity from it.
   * `reader`: the card's reader; the token is the slot naming it (see slot-match.ts). Without it,
   * or when no slot names it, the only token holding a certificate (else SEVERAL_CARDS).
   */
  async readIdentity(reader?: BoundReader): Promise<CardIdentity> {
    const read = (await this.call("readCertificate", reader)) as CertificateRead;
    return parseCardIdentity(Buffer.from(read.der, "base64"));
  }

  /** The PIN state from the token flags (no login, no PIN), of the same token as readIdentity's. */
  async pinStatus(reader?: BoundReader): Promise<PinStatus> {
    const read = (await this.call("tokenFlags", reader)) as TokenFlagsRead;
    return pinStatusFromFlags(read.flags);
  }

  /** Present tokens: slot description, token label, serial, manufacturer, flags. */
  async listTokens(): Promise<TokenInfo[]> {
    return (await this.call("listTokens")) as TokenInfo[];
  }

  /**
   * Ends every pending operation with `reason` (e.g. CARD_REMOVED when the card is pulled). The
   * child may be stuck inside the middleware, so it is killed and restarted by the next call.
   */
  cancelAll(reason: BridgeError): void {
    if (this.pending.size === 0) return;
    this.failAll(reason);
    this.kill();
  }

  /** Finalizes the module and stops the child. Pending operations fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new BridgeError(ErrorCode.TOKEN_ERROR, "The bridge is shutting down."));
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    clearTimeout(w.startupTimer);
    const proc = w.process;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const killTimer = setTimeout(() => proc.kill("SIGKILL"), CLOSE_GRACE_MS);
      proc.once("exit", () => {
        clearTimeout(killTimer);
        resolve();
      });
      if (w.ready && proc.connected) proc.send({ id: 0, op: "close" } satisfies WorkerRequest);
      else proc.kill("SIGKILL");
    });
  }

  private call(op: WorkerOp, reader?: BoundReader): Promise<WorkerResult> {
    if (this.closed) return Promise.reject(new BridgeError(ErrorCode.TOKEN_ERROR, "The token client is closed."));
    let child: Worker;
    try {
      child = this.worker ?? this.spawn();
    } catch (e) {
      return Promise.reject(
        new BridgeError(ErrorCode.TOKEN_ERROR, `The card's PKCS#11 process could not be started (${(e as Error).message}).`),
      );
    }
    return new Promise((resolve, reject) => {
      const p: Pending = { id: this.nextId++, op, ...(reader ? { reader } : {}), child, resolve, reject, timer: undefined, sent: false };
      this.pending.set(p.id, p);
      if (child.ready) this.send(p);
    });
  }

  private send(p: Pending): void {
    p.sent = true;
    p.timer = setTimeout(() => this.onTimeout(p), this.opts.timeoutMs);
    p.child.process.send({ id: p.id, op: p.op, ...(p.reader ? { reader: p.reader } : {}) } satisfies WorkerRequest);
  }

  private onTimeout(p: Pending): void {
    if (!this.pending.has(p.id)) return;
    // Operations behind it in the same child are stuck too: fail them all and restart.
    this.failAll(
      new BridgeError(
        ErrorCode.TIMEOUT,
        `The card did not answer within ${this.opts.timeoutMs} ms; its PKCS#11 module was restarted. Remove and re-insert the card, then try again.`,
        { operation: p.op },
      ),
      p.child,
    );
    this.kill(p.child);
  }

  private spawn(): Worker {
    this.generation += 1;
    const entry = childEntry("token-worker");
    const proc = fork(entry.modulePath, [this.opts.modulePath, String(this.generation)], {
      execPath: process.execPath,
      execArgv: entry.execArgv,
      env: { ...process.env, ...this.opts.env },
      // stdout is not inherited: the bridge's own stdout may carry the native-messaging protocol.
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
    });
    const w: Worker = { process: proc, ready: false, startupTimer: undefined };
    this.worker = w;
    const forward = (chunk: Buffer) => process.stderr.write(`[token-worker ${proc.pid}] ${chunk.toString()}`);
    proc.stdout?.on("data", forward);
    proc.stderr?.on("data", forward);
    w.startupTimer = setTimeout(() => {
      this.failAll(
        new BridgeError(ErrorCode.TOKEN_ERROR, "The card's PKCS#11 process did not start. Check the bridge's installation.", {}),
        w,
      );
      this.kill(w);
    }, STARTUP_TIMEOUT_MS);

    proc.on("message", (msg: WorkerReply | WorkerReady) => {
      if ("ready" in msg) {
        w.ready = true;
        clearTimeout(w.startupTimer);
        for (const p of this.pending.values()) if (p.child === w && !p.sent) this.send(p);
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) return; // answered after a timeout or a cancel
      this.pending.delete(p.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(toBridgeError(msg.error.code, msg.error.message));
    });
    proc.on("error", (e) => {
      this.failAll(new BridgeError(ErrorCode.TOKEN_ERROR, `The card's PKCS#11 process failed: ${e.message}`), w);
      this.kill(w);
    });
    proc.on("exit", (code, signal) => {
      clearTimeout(w.startupTimer);
      if (this.worker === w) this.worker = null;
      this.failAll(
        new BridgeError(
          ErrorCode.TOKEN_ERROR,
          `The card's PKCS#11 module stopped unexpectedly (${signal ?? `exit ${code}`}); it is restarted on the next operation. ` +
            "If this repeats, reinstall Cryptolib CPS.",
        ),
        w,
      );
    });
    return w;
  }

  /** Rejects pending operations (of one child, or all). */
  private failAll(error: BridgeError, only?: Worker): void {
    for (const p of [...this.pending.values()]) {
      if (only && p.child !== only) continue;
      this.pending.delete(p.id);
      clearTimeout(p.timer);
      p.reject(error);
    }
  }

  private kill(w: Worker | null = this.worker): void {
    if (!w) return;
    if (this.worker === w) this.worker = null;
    clearTimeout(w.startupTimer);
    if (w.process.exitCode === null && w.process.signalCode === null) w.process.kill("SIGKILL");
  }
}

function toBridgeError(code: ErrorCodeName, message: string): BridgeError {
  return new BridgeError(ErrorCode[code] ?? ErrorCode.TOKEN_ERROR, message);
}
