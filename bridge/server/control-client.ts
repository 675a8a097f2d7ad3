/** The commands' end of the control channel: one connection, requests matched to replies by id. */
import { randomBytes } from "node:crypto";
import net from "node:net";
import { BridgeError, ErrorCode, type ErrorCodeValue } from "../../shared/protocol/errors.ts";
import { firstError } from "../../shared/protocol/validate.ts";
import { CONTROL_NONCE_BYTES, controlProof, decodeFixed, verifyControlProof } from "./control-auth.ts";
import { readControlKey } from "./control-key.ts";
import {
  ControlChallengeSchema,
  controlAddress,
  ControlServerAuthSchema,
  MAX_CONTROL_LINE,
  type ControlEvent,
  type ControlLine,
} from "./control-protocol.ts";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
import type { ControlRequest } from "./control-protocol.ts";

/** Thrown when no bridge answers on the data directory's control channel. */
export class BridgeNotRunning extends Error {
  constructor() {
    super("The MSSanté bridge is not running for this data directory. Start it with `mss-bridge start`.");
    this.name = "BridgeNotRunning";
  }
}

/**
 * Something answers on the data directory's control channel but cannot prove the control key: not
 * this user's bridge (on Windows, another user may have created the pipe first). Nothing was sent.
 */
export class ControlChannelImpostor extends Error {
  constructor(address: string) {
    super(
      `Something that is not your MSSanté bridge answers on its control channel (${address}); nothing was sent to it. ` +
        "Log out and in again (or restart the computer), then start Thunderbird; if it happens again, tell your IT: another account may be impersonating the bridge.",
    );
    this.name = "ControlChannelImpostor";
  }
}

export class ControlClient {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private eventListeners: ((e: ControlEvent) => void)[] = [];
  private closedErr: Error | null = null;
  /** Resolves when the connection ends (the bridge stopped, or we closed it). */
  readonly closed: Promise<void>;
  private markClosed!: () => void;

  private constructor(private readonly socket: net.Socket) {
    this.closed = new Promise((r) => (this.markClosed = r));
    socket.setEncoding("utf8");
    let buf = "";
    socket.on("data", (chunk: string) => {
      buf += chunk;
      if (buf.length > 1024 * 1024) socket.destroy();
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.onLine(line);
      }
    });
    const fail = (e: Error) => {
      this.markClosed();
      this.closedErr = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    socket.on("error", (e) => fail(e));
    socket.on("close", () => fail(new Error("The bridge closed the control connection.")));
  }

  /**
   * Connects and proves the control key both ways (control-auth.ts) before anything else: no
   * request is sent, and no answer trusted, until the bridge has proved it too.
   */
  static async connect(dataDir: string, timeoutMs = 3000): Promise<ControlClient> {
    const key = readControlKey(dataDir);
    if (!key) throw new BridgeNotRunning(); // no bridge ever started for this data directory
    const address = controlAddress(dataDir, key);
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(address);
      const t = setTimeout(() => {
        s.destroy();
        reject(new BridgeNotRunning());
      }, timeoutMs);
      s.once("connect", () => {
        clearTimeout(t);
        s.removeAllListeners("error");
        resolve(s);
      });
      s.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(t);
        reject(["ENOENT", "ECONNREFUSED", "ENOTSOCK"].includes(e.code ?? "") ? new BridgeNotRunning() : e);
      });
    });
    try {
      await proveKey(socket, key, address, timeoutMs);
    } catch (e) {
      socket.destroy();
      throw e;
    }
    return new ControlClient(socket);
  }

  onEvent(fn: (e: ControlEvent) => void): void {
    this.eventListeners.push(fn);
  }

  request<T = unknown>(req: DistributiveOmit<ControlRequest, "id">, timeoutMs = 20_000): Promise<T> {
    if (this.closedErr) return Promise.reject(this.closedErr);
    const id = this.nextId++;
    const line = JSON.stringify({ ...req, id });
    if (line.length > MAX_CONTROL_LINE) return Promise.reject(new BridgeError(ErrorCode.INVALID_PARAMS, "Request too long."));
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(id);
        reject(new BridgeError(ErrorCode.TIMEOUT, "The bridge did not answer in time."));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(t);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      this.socket.write(`${line}\n`);
    });
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private onLine(line: string): void {
    let msg: ControlLine;
    try {
      msg = JSON.parse(line) as ControlLine;
    } catch {
      return;
    }
    if ("event" in msg) {
      for (const l of this.eventListeners) l(msg);
      return;
    }
    if (msg.id === null) return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new BridgeError(msg.error.code as ErrorCodeValue, msg.error.message));
  }
}

/** Lines from a socket during the handshake, one at a time; detached afterwards. */
class HandshakeLines {
  private buf = Buffer.alloc(0);
  private waiting: { resolve: (l: string) => void; reject: (e: Error) => void } | null = null;
  private failed: Error | null = null;
  private readonly onData = (chunk: Buffer) => {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.buf.length > MAX_CONTROL_LINE) this.fail(this.tooLong);
    else this.deliver();
  };
  private readonly onEnd = () => this.fail(this.closed);

  constructor(
    private readonly socket: net.Socket,
    private readonly closed: Error,
    private readonly tooLong: Error,
  ) {
    socket.on("data", this.onData);
    socket.once("error", this.onEnd);
    socket.once("close", this.onEnd);
  }

  next(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      if (this.failed) this.fail(this.failed);
      else this.deliver();
    });
  }

  /** Bytes received beyond the lines read. */
  get pending(): number {
    return this.buf.length;
  }

  fail(e: Error): void {
    this.failed ??= e;
    const w = this.waiting;
    this.waiting = null;
    w?.reject(this.failed);
  }

  detach(): void {
    this.socket.off("data", this.onData);
    this.socket.off("error", this.onEnd);
    this.socket.off("close", this.onEnd);
  }

  private deliver(): void {
    const nl = this.buf.indexOf(10);
    if (nl < 0 || !this.waiting) return;
    const line = this.buf.subarray(0, nl).toString("utf8");
    this.buf = this.buf.subarray(nl + 1);
    const w = this.waiting;
    this.waiting = null;
    w.resolve(line);
  }
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

/** The handshake: read the challenge, send our proof, check the bridge's; leaves the socket at the first request. */
async function proveKey(socket: net.Socket, key: Buffer, address: string, timeoutMs: number): Promise<void> {
  const impostor = new ControlChannelImpostor(address);
  // Closed before the challenge: a bridge at its connection limit. Closed after it: whatever answered
  // refused our proof, so it does not hold our key.
  const lines = new HandshakeLines(socket, new Error("The bridge closed the control connection; try again in a moment."), impostor);
  const t = setTimeout(() => lines.fail(impostor), timeoutMs);
  try {
    const first = parseLine(await lines.next());
    const challenge = firstError(ControlChallengeSchema, first)
      ? null
      : decodeFixed((first as { challenge: string }).challenge, CONTROL_NONCE_BYTES);
    // Nothing may follow the challenge before our proof.
    if (!challenge || lines.pending > 0) throw impostor;
    const nonce = randomBytes(CONTROL_NONCE_BYTES);
    const proof = controlProof(key, "client", challenge, nonce).toString("base64");
    socket.write(`${JSON.stringify({ auth: { nonce: nonce.toString("base64"), proof } })}\n`);
    const second = parseLine(await lines.next().catch((e: Error) => Promise.reject(e === impostor ? e : impostor)));
    const ok =
      !firstError(ControlServerAuthSchema, second) &&
      verifyControlProof(key, "server", challenge, nonce, (second as { auth: { proof: string } }).auth.proof);
    if (!ok || lines.pending > 0) throw impostor;
  } finally {
    clearTimeout(t);
    lines.detach();
  }
}

/** Connects, sends one request, closes. */
export async function controlRequest<T = unknown>(
  dataDir: string,
  req: DistributiveOmit<ControlRequest, "id">,
  timeoutMs?: number,
): Promise<T> {
  const c = await ControlClient.connect(dataDir);
  try {
    return await c.request<T>(req, timeoutMs);
  } finally {
    c.close();
  }
}
