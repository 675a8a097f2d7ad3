/**
 * One JSON-RPC 2.0 connection over one WebSocket: requests with timeouts, replies matched by id,
 * notifications handed on. It knows nothing of authentication; bridge-client.ts does.
 * The socket is created by an injected factory (the browser's WebSocket in Thunderbird, `ws` in
 * tests), always for ws://127.0.0.1:<port><WS_PATH>.
 */
import { WS_PATH } from "../../shared/constants.ts";
import { ClientError } from "./client-error.ts";

/** What we use of the WebSocket interface (the DOM one and `ws` both have it). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

const OPEN = 1;

/** The only URL this extension ever connects to: the loopback bridge on a paired (or default) port. */
export function bridgeUrl(port: number): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ClientError("INVALID_PARAMS", `invalid bridge port ${port}`);
  return `ws://127.0.0.1:${port}${WS_PATH}`;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class RpcConnection {
  private readonly ws: WebSocketLike;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  readonly opened: Promise<void>;
  onNotification: ((method: string, params: unknown) => void) | null = null;
  onClose: ((code: number) => void) | null = null;

  constructor(factory: WebSocketFactory, port: number, openTimeoutMs = 5000) {
    this.ws = factory(bridgeUrl(port));
    this.opened = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new ClientError("REQUEST_TIMEOUT", "the bridge did not accept the connection in time"));
        this.close();
      }, openTimeoutMs);
      this.ws.onopen = () => {
        clearTimeout(timer);
        resolve();
      };
      this.ws.onerror = () => {
        /* a close event follows; reported there */
      };
      this.ws.onclose = (ev) => {
        clearTimeout(timer);
        reject(new ClientError("CONNECTION_CLOSED", "connection to the bridge refused or closed"));
        this.handleClose(ev?.code ?? 1006);
      };
    });
    // Avoid an unhandled rejection when nobody awaits `opened` (e.g. closed before use).
    this.opened.catch(() => undefined);
    this.ws.onmessage = (ev) => this.handleMessage(ev.data);
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === OPEN;
  }

  request(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    if (!this.isOpen) return Promise.reject(new ClientError("NOT_CONNECTED", "no open connection to the bridge"));
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ClientError("REQUEST_TIMEOUT", `the bridge did not answer ${method} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
      } catch {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new ClientError("CONNECTION_CLOSED", "could not send to the bridge"));
      }
    });
  }

  close(): void {
    if (this.closed) return;
    try {
      this.ws.close(1000, "client closing");
    } catch {
      /* already closing */
    }
    this.handleClose(1000);
  }

  private handleClose(code: number): void {
    if (this.closed) return;
    this.closed = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ClientError("CONNECTION_CLOSED", "the connection to the bridge closed"));
    }
    this.pending.clear();
    this.onClose?.(code);
  }

  private handleMessage(data: unknown): void {
    if (typeof data !== "string") return; // the protocol is text only
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (!msg || typeof msg !== "object" || Array.isArray(msg)) return;
    const m = msg as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };
    if (m.jsonrpc !== "2.0") return;
    if (typeof m.method === "string" && m.id === undefined) {
      this.onNotification?.(m.method, m.params);
      return;
    }
    if (typeof m.id !== "number") return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.error && typeof m.error === "object") {
      const e = m.error as { code?: unknown; message?: unknown; data?: unknown };
      const code = typeof e.code === "number" ? e.code : -32603;
      const message = typeof e.message === "string" ? e.message.slice(0, 500) : "bridge error";
      const errData = e.data && typeof e.data === "object" ? (e.data as Record<string, unknown>) : undefined;
      p.reject(ClientError.fromRpc({ code, message, ...(errData ? { data: errData } : {}) }));
    } else if ("result" in m) {
      p.resolve(m.result);
    } else {
      p.reject(new ClientError("INVALID_REPLY", "reply with neither result nor error"));
    }
  }
}
