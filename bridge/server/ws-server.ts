/**
 * The WebSocket server: loopback only (127.0.0.1 and ::1, two listeners on one port), our own
 * http.Server so Host and Origin are checked in the `upgrade` handler and a refused request gets a
 * bare HTTP 403 with no WebSocket ever created. Per connection, a Session does the protocol.
 */
import { RefusalThrottle } from "./refusal-throttle.ts";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { WS_PATH } from "../../shared/constants.ts";
import { MAX_MESSAGE_BYTES } from "../../shared/protocol/jsonrpc.ts";
import type { NotificationName, NotificationParams } from "../../shared/protocol/schemas.ts";
import { checkNotification } from "../../shared/protocol/validate.ts";
import { checkHost, checkOrigin } from "./upgrade-checks.ts";
import { CloseCode, Session, type ConnectionBinding } from "./session.ts";
import type { ServerContext } from "./context.ts";

const PING_INTERVAL_MS = 30_000;

type DropReason = "dropped-idle" | "dropped-oldest-pending" | "dropped-oldest-unauthenticated";
const DROP_MESSAGES: Record<DropReason, string> = {
  "dropped-idle": "idle connections dropped: no WebSocket request within the deadline (a local program holding sockets open?)",
  "dropped-oldest-pending": "connections dropped: too many waiting to send their request, the oldest go first",
  "dropped-oldest-unauthenticated": "connections dropped: too many unauthenticated, the oldest go first",
};

function refuse(socket: Duplex, status: 403 | 404 | 503, text: string): void {
  try {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`);
  } catch {
    // ignore
  }
  setTimeout(() => socket.destroy(), 50).unref();
}

export interface ListenResult {
  port: number;
  addresses: string[];
}

export class BridgeServer {
  private readonly wss: WebSocketServer;
  private readonly http: http.Server[] = [];
  private readonly sessions = new Set<Session>();
  private readonly sockets = new Map<Session, WebSocket>();
  /** Upgraded connections not authenticated yet, oldest first. */
  private readonly unauthenticated = new Set<Session>();
  /** TCP connections that have not sent their upgrade request yet, oldest first, with their deadline. */
  private readonly raw = new Map<Socket, NodeJS.Timeout>();
  private pending = 0;
  private boundPort = 0;
  private pingTimer: NodeJS.Timeout | null = null;
  /** Refused upgrades: recorded once per reason and origin a minute, then counted (bounded disk use). */
  private readonly refusals: RefusalThrottle;
  /** Connections dropped before authenticating (idle, or the oldest when too many): said once per burst. */
  private readonly drops: RefusalThrottle;

  constructor(private readonly ctx: ServerContext) {
    this.refusals = new RefusalThrottle({
      first: (result, origin, why) => {
        this.ctx.log.warn("upgrade refused", { reason: why ?? result });
        this.ctx.audit.record("upgrade", origin, result);
      },
      summary: (reason, origin, count) => {
        this.ctx.log.warn("more upgrades refused", { reason, count });
        this.ctx.audit.record("upgrade.repeated", origin, `${reason} x${count}`);
      },
    });
    this.drops = new RefusalThrottle({
      first: (reason) => {
        this.ctx.log.warn(DROP_MESSAGES[reason as DropReason] ?? "connections dropped", { reason });
        this.ctx.audit.record("connection", null, reason);
      },
      summary: (reason, _origin, count) => {
        this.ctx.log.warn("more connections dropped", { reason, count });
        this.ctx.audit.record("connection.repeated", null, `${reason} x${count}`);
      },
    });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  get port(): number {
    return this.boundPort;
  }

  connectionCount(): number {
    return this.sessions.size;
  }

  /** Listens on 127.0.0.1:port, then on [::1] at the same port when the machine has IPv6 loopback. */
  async listen(port: number): Promise<ListenResult> {
    const v4 = this.makeHttpServer();
    await listenOn(v4, "127.0.0.1", port);
    this.http.push(v4);
    this.boundPort = (v4.address() as AddressInfo).port;
    const addresses = [`127.0.0.1:${this.boundPort}`];
    const v6 = this.makeHttpServer();
    try {
      await listenOn(v6, "::1", this.boundPort, true);
      this.http.push(v6);
      addresses.push(`[::1]:${this.boundPort}`);
    } catch (e) {
      this.ctx.log.warn("IPv6 loopback unavailable; listening on 127.0.0.1 only", { error: (e as Error).message });
    }
    this.pingTimer = setInterval(() => this.pingAll(), PING_INTERVAL_MS);
    this.pingTimer.unref();
    return { port: this.boundPort, addresses };
  }

  /** Sends a notification to every authenticated connection. */
  broadcast<N extends NotificationName>(name: N, params: NotificationParams<N>): void {
    const err = checkNotification(name, params);
    if (err) {
      this.ctx.log.error("notification does not match the protocol schema; not sent", { name, problem: err });
      return;
    }
    for (const s of this.sessions) s.notify(name, params);
  }

  /** Closes every connection of an origin (after `unpair`). */
  closeOrigin(origin: string | "all"): void {
    for (const s of this.sessions) if (origin === "all" || s.origin === origin) s.close(CloseCode.POLICY, "Unpaired");
  }

  /** Closes the connections authenticated with a per-launch credential (its host detached). */
  closeCredential(id: string): void {
    for (const s of this.sessions) if (s.credentialId === id) s.close(CloseCode.POLICY, "Credential withdrawn");
  }

  async close(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.refusals.close();
    this.drops.close();
    for (const t of this.raw.values()) clearTimeout(t);
    for (const s of this.sessions) s.close(CloseCode.GOING_AWAY, "Bridge stopping");
    await Promise.all(
      this.http.map(
        (h) =>
          new Promise<void>((resolve) => {
            h.close(() => resolve());
            h.closeAllConnections?.();
          }),
      ),
    );
    for (const ws of this.sockets.values()) ws.terminate();
    this.wss.close();
  }

  private makeHttpServer(): http.Server {
    // Node checks header/request timeouts every 30 s by default: a local process holding half-open
    // sockets would keep the extension out that long. Check every second.
    const server = http.createServer({ connectionsCheckingInterval: 1000 }, (_req, res) => {
      // Plain HTTP gets nothing: this is a WebSocket endpoint for one extension.
      res.writeHead(404, { "Content-Type": "text/plain", Connection: "close" }).end();
    });
    // Raw TCP connections that never upgrade are bounded by onRawConnection (a deadline, and the
    // oldest dropped past a cap); Node's own cap is only a backstop above every cap of ours, so that
    // idle sockets can never keep an authenticating extension out.
    const l = this.ctx.limits;
    server.maxConnections = l.maxConnections + l.maxUnauthenticated + l.maxPendingConnections + 16;
    server.headersTimeout = l.upgradeDeadlineMs;
    server.requestTimeout = l.upgradeDeadlineMs;
    server.on("connection", (socket: Socket) => this.onRawConnection(socket));
    server.on("upgrade", (req, socket, head) => this.onUpgrade(req, socket, head));
    server.on("clientError", (_e, socket) => socket.destroy());
    return server;
  }

  /**
   * A new TCP connection: it has upgradeDeadlineMs to send its request line and headers, and when
   * more than maxPendingConnections wait so, the oldest is dropped. On loopback every peer is
   * 127.0.0.1 or ::1, so peers cannot be told apart: the caps are per kind of connection instead.
   */
  private onRawConnection(socket: Socket): void {
    const deadline = setTimeout(() => {
      if (!this.raw.delete(socket)) return;
      socket.destroy();
      this.drops.refused("dropped-idle", null);
    }, this.ctx.limits.upgradeDeadlineMs);
    deadline.unref();
    this.raw.set(socket, deadline);
    socket.once("close", () => this.settleRaw(socket));
    if (this.raw.size > this.ctx.limits.maxPendingConnections) {
      const oldest = this.raw.keys().next().value as Socket;
      this.settleRaw(oldest);
      oldest.destroy();
      this.drops.refused("dropped-oldest-pending", null);
    }
  }

  /** The connection sent its request (or went away): no deadline any more. */
  private settleRaw(socket: Socket): void {
    const t = this.raw.get(socket);
    if (t) clearTimeout(t);
    this.raw.delete(socket);
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    this.settleRaw(socket as Socket);
    socket.on("error", () => socket.destroy());
    const origin = typeof req.headers.origin === "string" ? req.headers.origin : undefined;
    let pathname: string;
    try {
      pathname = new URL(req.url ?? "/", "http://x").pathname;
    } catch {
      pathname = "";
    }
    if (pathname !== WS_PATH) {
      this.refusals.refused("refused-path", origin ?? null);
      refuse(socket, 404, "Not Found");
      return;
    }
    const host = checkHost(req.headers.host, this.boundPort);
    if (!host.ok) {
      this.refusals.refused("refused-host", origin ?? null, host.reason);
      refuse(socket, 403, "Forbidden");
      return;
    }
    const orig = checkOrigin(origin, {
      // An origin holding a per-launch credential is not in the pairing file: let it reach session.hello.
      isPaired: (o) => this.ctx.pairing.isPaired(o) || this.ctx.launch.admits(o),
      hasAnyPairing: () => this.ctx.pairing.hasAnyPairing(),
      pairingWindowOpen: () => this.ctx.pairingWindow.isOpen(),
    });
    if (!orig.ok) {
      this.refusals.refused("refused-origin", origin ?? null, orig.reason);
      refuse(socket, 403, "Forbidden");
      return;
    }
    if (this.sessions.size - this.unauthenticated.size >= this.ctx.limits.maxConnections) {
      this.refusals.refused("refused-busy", origin ?? null, "connection cap reached");
      refuse(socket, 503, "Service Unavailable");
      return;
    }
    // Unauthenticated connections have slots of their own; past the cap the oldest gives way (it has
    // had its chance), so that idle or failing peers never keep an authenticating extension out.
    while (this.unauthenticated.size + this.pending >= this.ctx.limits.maxUnauthenticated && this.unauthenticated.size > 0) {
      const oldest = this.unauthenticated.values().next().value as Session;
      this.unauthenticated.delete(oldest);
      oldest.close(CloseCode.POLICY, "Too many unauthenticated connections");
      this.drops.refused("dropped-oldest-unauthenticated", null);
    }
    if (this.pending >= this.ctx.limits.maxUnauthenticated) {
      this.refusals.refused("refused-busy", origin ?? null, "upgrades under way cap reached");
      refuse(socket, 503, "Service Unavailable");
      return;
    }
    // ws answers an invalid handshake (bad key, version) itself and never calls back: release the
    // slot when the socket goes away too, or such requests would fill the cap for good.
    this.pending++;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        this.pending--;
      }
    };
    socket.once("close", release);
    (socket as Socket).setNoDelay?.(true);
    // What the client connected to, bound into version 2 proofs: a relay on another port cannot pass them.
    const binding = { port: (socket as Socket).localPort ?? this.boundPort, host: (req.headers.host ?? "").toLowerCase() };
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      release();
      this.onConnection(ws, origin!, binding);
    });
  }

  private onConnection(ws: WebSocket, origin: string, binding: ConnectionBinding): void {
    const session = new Session(
      this.ctx,
      origin,
      {
        send: (text) => {
          if (ws.readyState === ws.OPEN) ws.send(text);
        },
        close: (code, reason) => ws.close(code, reason),
      },
      binding,
    );
    this.sessions.add(session);
    this.unauthenticated.add(session);
    this.sockets.set(session, ws);
    let alive = true;
    (ws as WebSocket & { isAliveCheck?: () => boolean }).isAliveCheck = () => {
      const was = alive;
      alive = false;
      return was;
    };
    ws.on("pong", () => {
      alive = true;
    });
    const handshake = setTimeout(() => {
      if (!session.authenticated) {
        this.ctx.audit.record("handshake-timeout", origin, "closed");
        session.close(CloseCode.POLICY, "Authentication timed out");
      }
    }, this.ctx.limits.handshakeTimeoutMs);
    handshake.unref();
    session.onAuthenticated = () => {
      clearTimeout(handshake);
      this.unauthenticated.delete(session);
      if (this.sessions.size - this.unauthenticated.size > this.ctx.limits.maxConnections) {
        session.close(CloseCode.POLICY, "Too many connections");
      }
    };
    ws.on("message", (data, isBinary) => {
      if (isBinary) return session.onBinary();
      const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as ArrayBuffer).toString("utf8");
      session.onText(text).catch((e) => this.ctx.log.error("session error", { error: e }));
    });
    ws.on("error", (e) => this.ctx.log.debug("connection error", { error: e.message }));
    ws.on("close", () => {
      clearTimeout(handshake);
      session.close(CloseCode.NORMAL, "closed");
      this.sessions.delete(session);
      this.unauthenticated.delete(session);
      this.sockets.delete(session);
    });
  }

  private pingAll(): void {
    for (const ws of this.sockets.values()) {
      const check = (ws as WebSocket & { isAliveCheck?: () => boolean }).isAliveCheck;
      if (check && !check()) {
        ws.terminate();
        continue;
      }
      try {
        ws.ping();
      } catch {
        // closing already
      }
    }
  }
}

function listenOn(server: http.Server, host: string, port: number, ipv6Only = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      server.off("listening", onListening);
      reject(e);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen({ host, port, ipv6Only, exclusive: true });
  });
}
