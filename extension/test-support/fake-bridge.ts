/**
 * A small in-process bridge for the extension's unit tests: a real WebSocket server (ws) on
 * 127.0.0.1 speaking the shared protocol with the shared proofs (shared/protocol/proofs.ts), with
 * switches to misbehave: an impostor that does not know the secret, a forgotten pairing, a pairing
 * code window, dropped connections. Test-only; never bundled (scripts/build.mjs bundles entry points
 * that do not import it, and the build test checks).
 */
import { WebSocketServer, WebSocket } from "ws";
import type { AddressInfo } from "node:net";
import { WS_PATH } from "../../shared/constants.ts";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import type { MethodName, NotificationName, NotificationParams, Params, Result } from "../../shared/protocol/schemas.ts";
import { checkParams } from "../../shared/protocol/validate.ts";
import {
  boundBridgeProof,
  boundClientProof,
  bridgeProof,
  clientProof,
  pairingProof,
  randomNonce,
  sameProof,
  sealSecret,
  type ProofBinding,
} from "../../shared/protocol/proofs.ts";
import type { WebSocketFactory, WebSocketLike } from "../background/rpc-connection.ts";

type Handler<M extends MethodName> = (params: Params<M>) => Result<M> | Promise<Result<M>>;
export type Handlers = { [M in MethodName]?: Handler<M> };

export interface FakeBridgeOptions {
  secret: Uint8Array<ArrayBuffer>;
  pairedOrigins?: string[];
  /** Does not know the secret: answers hello with paired=true and a made-up proof. */
  impostor?: boolean;
  pairingCode?: string | null;
  /** The protocol version it speaks (2 by default; 1 is a bridge from before the proofs bound the port). */
  protocolVersion?: 1 | 2;
  /** Answers session.hello with this error (a squatter claiming, say, NOT_PAIRED). */
  helloError?: number;
  /** The `data` of that error (UNSUPPORTED_VERSION's `supported`). */
  helloErrorData?: Record<string, unknown>;
  /** Per-launch credentials it holds, by launch id (what its native hosts handed over). */
  launchCredentials?: Map<string, Uint8Array<ArrayBuffer>>;
  handlers?: Handlers;
  port?: number;
}

interface Conn {
  ws: WebSocket;
  origin: string;
  /** The Host header of the upgrade request (bound into version 2 proofs with the port). */
  host: string;
  clientNonce: string | null;
  bridgeNonce: string | null;
  pairingNonce: string | null;
  authenticated: boolean;
  version: number;
  methods: string[];
  /** The launch id named in session.hello, if any. */
  launch: string | null;
}

export class FakeBridge {
  private wss: WebSocketServer | null = null;
  readonly conns: Conn[] = [];
  port = 0;
  opts: FakeBridgeOptions;
  /** Upgrade attempts seen (even refused ones), for reconnection tests. */
  connectionAttempts = 0;

  constructor(opts: FakeBridgeOptions) {
    this.opts = { pairedOrigins: [], pairingCode: null, handlers: {}, ...opts };
  }

  async start(): Promise<void> {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: this.opts.port ?? this.port ?? 0, path: WS_PATH });
    await new Promise<void>((resolve, reject) => {
      wss.once("listening", resolve);
      wss.once("error", reject);
    });
    this.wss = wss;
    this.port = (wss.address() as AddressInfo).port;
    wss.on("connection", (ws, req) => {
      this.connectionAttempts++;
      const conn: Conn = {
        ws,
        origin: String(req.headers.origin ?? ""),
        host: String(req.headers.host ?? ""),
        clientNonce: null,
        bridgeNonce: null,
        pairingNonce: null,
        authenticated: false,
        version: 0,
        methods: [],
        launch: null,
      };
      this.conns.push(conn);
      ws.on("message", (data) => void this.onMessage(conn, data.toString()));
    });
  }

  async stop(): Promise<void> {
    for (const c of this.conns) c.ws.terminate();
    const wss = this.wss;
    this.wss = null;
    if (wss) await new Promise<void>((r) => wss.close(() => r()));
  }

  /** Drops every open connection (the bridge restarting, say) without stopping to listen. */
  dropAll(): void {
    for (const c of this.conns) c.ws.terminate();
  }

  notify<N extends NotificationName>(name: N, params: NotificationParams<N>): void {
    for (const c of this.conns)
      if (c.authenticated && c.ws.readyState === WebSocket.OPEN) c.ws.send(JSON.stringify({ jsonrpc: "2.0", method: name, params }));
  }

  /** Every method any connection called, in order. */
  get calls(): string[] {
    return this.conns.flatMap((c) => c.methods);
  }

  private binding(c: Conn): ProofBinding {
    return { origin: c.origin, port: this.port, host: c.host };
  }

  private reply(c: Conn, id: unknown, result: unknown) {
    c.ws.send(JSON.stringify({ jsonrpc: "2.0", id, result }));
  }

  private error(c: Conn, id: unknown, code: number, message: string, data?: Record<string, unknown>) {
    c.ws.send(JSON.stringify({ jsonrpc: "2.0", id, error: { code, message, ...(data ? { data } : {}) } }));
  }

  private async onMessage(c: Conn, text: string): Promise<void> {
    const msg = JSON.parse(text) as { id: number; method: MethodName; params: Record<string, unknown> };
    c.methods.push(msg.method);
    const bad = checkParams(msg.method, msg.params);
    if (bad) return this.error(c, msg.id, ErrorCode.INVALID_PARAMS, bad);
    if (msg.method === "session.hello") c.launch = (msg.params.launch as string | undefined) ?? null;
    // A named per-launch credential takes the secret's place; one it does not hold proves nothing.
    const launchKey = c.launch !== null ? (this.opts.launchCredentials?.get(c.launch) ?? null) : null;
    const secret = c.launch !== null ? (launchKey ?? new Uint8Array(32)) : this.opts.secret;
    const paired = c.launch !== null ? launchKey !== null : this.opts.pairedOrigins!.includes(c.origin);
    switch (msg.method) {
      case "session.hello": {
        if (this.opts.helloError !== undefined) return this.error(c, msg.id, this.opts.helloError, "refused", this.opts.helloErrorData);
        if (c.launch !== null && !launchKey) {
          c.clientNonce = msg.params.clientNonce as string;
          c.bridgeNonce = randomNonce();
          c.version = 2;
          const r = { protocolVersion: 2, bridgeVersion: "0.0.0-fake", capabilities: [], demo: true, paired: false };
          return this.reply(c, msg.id, { ...r, bridgeNonce: c.bridgeNonce, bridgeProof: null });
        }
        c.clientNonce = msg.params.clientNonce as string;
        c.bridgeNonce = randomNonce();
        const v2 = (this.opts.protocolVersion ?? 2) >= 2 && (msg.params.protocolVersion as number) >= 2;
        const proof = this.opts.impostor
          ? "0".repeat(64)
          : v2
            ? await boundBridgeProof(secret, c.clientNonce, c.bridgeNonce, this.binding(c), paired)
            : paired
              ? await bridgeProof(secret, c.clientNonce, c.bridgeNonce, c.origin)
              : null;
        c.version = v2 ? 2 : 1;
        return this.reply(c, msg.id, {
          protocolVersion: c.version,
          bridgeVersion: "0.0.0-fake",
          capabilities: [],
          demo: true,
          paired: this.opts.impostor ? true : paired,
          bridgeNonce: c.bridgeNonce,
          bridgeProof: proof,
        });
      }
      case "session.authenticate": {
        if (!paired) return this.error(c, msg.id, ErrorCode.NOT_PAIRED, "not paired");
        const expected =
          c.version >= 2
            ? await boundClientProof(secret, c.clientNonce!, c.bridgeNonce!, this.binding(c))
            : await clientProof(secret, c.clientNonce!, c.bridgeNonce!, c.origin);
        if (!sameProof(expected, msg.params.clientProof as string))
          return this.error(c, msg.id, ErrorCode.AUTHENTICATION_FAILED, "wrong proof");
        c.authenticated = true;
        return this.reply(c, msg.id, { authenticated: true });
      }
      case "pairing.begin":
        if (!this.opts.pairingCode) return this.error(c, msg.id, ErrorCode.PAIRING_FAILED, "no pairing window");
        c.pairingNonce = randomNonce();
        return this.reply(c, msg.id, { pairingNonce: c.pairingNonce });
      case "pairing.complete": {
        const code = this.opts.pairingCode;
        if (!code || !c.pairingNonce) return this.error(c, msg.id, ErrorCode.PAIRING_FAILED, "no pairing window");
        const expected = await pairingProof(code, c.pairingNonce, msg.params.clientNonce as string, c.origin);
        if (!sameProof(expected, msg.params.proof as string)) return this.error(c, msg.id, ErrorCode.PAIRING_FAILED, "wrong code");
        this.opts.pairedOrigins!.push(c.origin);
        return this.reply(c, msg.id, {
          sealedSecret: await sealSecret(secret, code, c.pairingNonce, msg.params.clientNonce as string),
          port: this.port,
        });
      }
      default: {
        if (!c.authenticated) return this.error(c, msg.id, ErrorCode.NOT_AUTHENTICATED, "authenticate first");
        const h = this.opts.handlers![msg.method] as ((p: unknown) => unknown) | undefined;
        if (!h) return this.error(c, msg.id, ErrorCode.METHOD_NOT_FOUND, "not in fake");
        try {
          return this.reply(c, msg.id, await h(msg.params));
        } catch (e) {
          const err = e as { code?: number; message?: string };
          return this.error(c, msg.id, err.code ?? ErrorCode.INTERNAL_ERROR, err.message ?? "error");
        }
      }
    }
  }
}

/** A WebSocket factory for Node that sends the extension's Origin, like Thunderbird does. */
export function nodeSocketFactory(origin: string): WebSocketFactory {
  return (url: string) => new WebSocket(url, { origin }) as unknown as WebSocketLike;
}

export function testSecret(seed = 7): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(32);
  for (let i = 0; i < b.length; i++) b[i] = (seed * 31 + i * 17) & 0xff;
  return b;
}
