/** The commands' end of the control channel: one connection, requests matched to replies by id. */
import net from "node:net";
import { BridgeError, ErrorCode, type ErrorCodeValue } from "../../shared/protocol/errors.ts";
import { controlAddress, MAX_CONTROL_LINE, type ControlEvent, type ControlLine } from "./control-protocol.ts";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
import type { ControlRequest } from "./control-protocol.ts";

/** Thrown when no bridge answers on the data directory's control channel. */
export class BridgeNotRunning extends Error {
  constructor() {
    super("The MSSanté bridge is not running for this data directory. Start it with `mss-bridge start`.");
    this.name = "BridgeNotRunning";
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

  static connect(dataDir: string, timeoutMs = 3000): Promise<ControlClient> {
    const address = controlAddress(dataDir);
    return new Promise((resolve, reject) => {
      const s = net.connect(address);
      const t = setTimeout(() => {
        s.destroy();
        reject(new BridgeNotRunning());
      }, timeoutMs);
      s.once("connect", () => {
        clearTimeout(t);
        resolve(new ControlClient(s));
      });
      s.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(t);
        reject(["ENOENT", "ECONNREFUSED", "ENOTSOCK"].includes(e.code ?? "") ? new BridgeNotRunning() : e);
      });
    });
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
