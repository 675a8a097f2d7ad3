/**
 * The typed client of the local bridge. Each connection is authenticated both ways before anything
 * else is sent (shared/protocol/proofs.ts): the bridge must prove the pairing secret first — a peer
 * that cannot is "not-the-bridge" (a port squatter) and gets nothing, not even our proof — then we
 * prove it back. Every reply and notification is checked against the shared schemas before use.
 * Connection losses are retried with exponential backoff; the state is published for the badge,
 * the popup and the setup page.
 */
import { DEFAULT_PORT } from "../../shared/constants.ts";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import {
  Methods,
  Notifications,
  type MethodName,
  type NotificationName,
  type NotificationParams,
  type Params,
  type Result,
} from "../../shared/protocol/schemas.ts";
import { checkNotification, checkResult, isNotificationName } from "../../shared/protocol/validate.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol/version.ts";
import {
  base64ToBytes,
  bridgeProof,
  clientProof,
  openSecret,
  pairingProof,
  randomNonce,
  sameProof,
} from "../../shared/protocol/proofs.ts";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.ts";
import { ClientError } from "./client-error.ts";
import type { Pairing } from "./pairing-store.ts";
import { RpcConnection, type WebSocketFactory } from "./rpc-connection.ts";

export type HelloInfo = Pick<Result<"session.hello">, "protocolVersion" | "bridgeVersion" | "capabilities" | "demo">;

export type BridgeState =
  | { kind: "idle" }
  | { kind: "connecting"; attempt: number }
  /** Nothing answers on the port: the bridge is not running. */
  | { kind: "down"; reason: string; retryInMs: number; attempt: number }
  /** The bridge answers but does not know this installation (or we have no secret yet). */
  | { kind: "unpaired"; port: number; bridgeReachable: boolean; retryInMs: number }
  /** The peer on the port could not prove the secret: not our bridge. Nothing was sent to it. */
  | { kind: "not-the-bridge"; port: number; retryInMs: number }
  | { kind: "incompatible"; message: string }
  | { kind: "connected"; port: number; hello: HelloInfo };

export interface BridgeClientOptions {
  /** This extension's origin, "moz-extension://<uuid>" (no trailing slash): bound into every proof. */
  origin: string;
  createSocket: WebSocketFactory;
  loadPairing(): Promise<Pairing | null>;
  clientName?: string;
  backoff?: BackoffOptions;
  random?: () => number;
  requestTimeoutMs?: number;
  handshakeTimeoutMs?: number;
}

type NotificationListener<N extends NotificationName> = (params: NotificationParams<N>) => void;

export class BridgeClient {
  private readonly opts: Required<Omit<BridgeClientOptions, "clientName">> & { clientName: string };
  private conn: RpcConnection | null = null;
  private stateValue: BridgeState = { kind: "idle" };
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  /**
   * Bumped by stop() and reconnectNow(): a handshake started under an older epoch is abandoned at its
   * next step (its socket closed, no state published, no retry scheduled).
   */
  private epoch = 0;
  /** The epoch whose handshake is under way (at most one per epoch), or null. */
  private connectingEpoch: number | null = null;
  /** The socket of the handshake under way, closed when it is abandoned. */
  private handshakeConn: RpcConnection | null = null;
  private readonly stateListeners = new Set<(s: BridgeState) => void>();
  private readonly notificationListeners = new Map<string, Set<(p: unknown) => void>>();

  constructor(opts: BridgeClientOptions) {
    this.opts = {
      clientName: "mssante-thunderbird",
      backoff: DEFAULT_BACKOFF,
      random: Math.random,
      requestTimeoutMs: 10_000,
      handshakeTimeoutMs: 5_000,
      ...opts,
    };
  }

  get state(): BridgeState {
    return this.stateValue;
  }

  get connected(): boolean {
    return this.stateValue.kind === "connected" && !!this.conn?.isOpen;
  }

  onState(listener: (s: BridgeState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onNotification<N extends NotificationName>(name: N, listener: NotificationListener<N>): () => void {
    let set = this.notificationListeners.get(name);
    if (!set) this.notificationListeners.set(name, (set = new Set()));
    set.add(listener as (p: unknown) => void);
    return () => set!.delete(listener as (p: unknown) => void);
  }

  /** Starts connecting and keeps the connection up until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connectOnce();
  }

  stop(): void {
    this.running = false;
    this.abandon();
    this.setState({ kind: "idle" });
  }

  /** Drops any wait, connection or handshake under way and connects now (after pairing, or when the user asks to retry). */
  reconnectNow(): void {
    this.running = true;
    this.attempt = 0;
    this.abandon();
    void this.connectOnce();
  }

  /** Cancels the retry timer, abandons the handshake under way and closes the connection, quietly. */
  private abandon(): void {
    this.epoch++;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const pending = this.handshakeConn;
    this.handshakeConn = null;
    pending?.close();
    const conn = this.conn;
    this.conn = null;
    if (conn) {
      // Detached first: its close must not schedule a retry nor deliver anything more.
      conn.onClose = null;
      conn.onNotification = null;
      conn.close();
    }
  }

  /** Calls a method on the authenticated connection; the result is schema-checked before it is returned. */
  async call<M extends MethodName>(method: M, params: Params<M>, timeoutMs?: number): Promise<Result<M>> {
    const conn = this.conn;
    if (!conn || this.stateValue.kind !== "connected") {
      throw new ClientError("NOT_CONNECTED", "not connected to the MSSanté bridge");
    }
    const raw = await conn.request(method, params as Record<string, unknown>, timeoutMs ?? this.opts.requestTimeoutMs);
    const err = checkResult(method, raw);
    if (err) throw new ClientError("INVALID_REPLY", `reply to ${method} does not match the protocol (${err})`);
    return raw as Result<M>;
  }

  /**
   * Pairing with the code shown by `mss-bridge pair` (when native messaging is unavailable): a
   * separate, unauthenticated connection; the code never travels, only a proof of it, and the secret
   * comes back sealed under a key derived from it. Returns the pairing for the caller to store.
   */
  async pairWithCode(code: string, port: number = DEFAULT_PORT): Promise<Pairing> {
    const conn = new RpcConnection(this.opts.createSocket, port, this.opts.handshakeTimeoutMs);
    try {
      await conn.opened;
      const t = this.opts.handshakeTimeoutMs;
      const begin = await conn.request("pairing.begin", {}, t);
      if (checkResult("pairing.begin", begin)) throw new ClientError("INVALID_REPLY", "invalid reply to pairing.begin");
      const { pairingNonce } = begin as Result<"pairing.begin">;
      const clientNonce = randomNonce();
      const proof = await pairingProof(code, pairingNonce, clientNonce, this.opts.origin);
      const done = await conn.request("pairing.complete", { clientNonce, proof }, t);
      if (checkResult("pairing.complete", done)) throw new ClientError("INVALID_REPLY", "invalid reply to pairing.complete");
      const { sealedSecret, port: bridgePort } = done as Result<"pairing.complete">;
      let secret: Uint8Array;
      try {
        secret = await openSecret(sealedSecret, code, pairingNonce, clientNonce);
      } catch {
        // Only a peer that knows the code can seal a secret we can open.
        throw new ClientError("NOT_THE_BRIDGE", "the pairing answer could not be opened with this code");
      }
      if (secret.length < 16) throw new ClientError("INVALID_REPLY", "pairing secret too short");
      let b = "";
      for (const x of secret) b += String.fromCharCode(x);
      return { port: bridgePort, secret: btoa(b), pairedAt: new Date().toISOString(), via: "code" };
    } finally {
      conn.close();
    }
  }

  // ---- connection lifecycle ----------------------------------------------------------------

  private setState(s: BridgeState): void {
    this.stateValue = s;
    for (const l of this.stateListeners) {
      try {
        l(s);
      } catch {
        /* a listener's failure must not break the client */
      }
    }
  }

  private scheduleRetry(): number {
    const delay = backoffDelay(this.attempt, this.opts.backoff, this.opts.random);
    this.attempt++;
    if (this.running) {
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        void this.connectOnce();
      }, delay);
    }
    return delay;
  }

  private async connectOnce(): Promise<void> {
    const epoch = this.epoch;
    if (!this.running || this.connectingEpoch === epoch) return;
    this.connectingEpoch = epoch;
    try {
      await this.handshake(epoch);
    } catch (e) {
      // Nothing above may leave the client stuck in "connecting": say so and try again later.
      if (epoch === this.epoch) {
        const retryInMs = this.scheduleRetry();
        this.setState({ kind: "down", reason: e instanceof Error ? e.message : "connection failed", retryInMs, attempt: this.attempt });
      }
    } finally {
      if (this.connectingEpoch === epoch) this.connectingEpoch = null;
    }
  }

  private async handshake(epoch: number): Promise<void> {
    /** stop() or reconnectNow() came since this handshake began: it must leave no trace. */
    const abandoned = () => epoch !== this.epoch;
    this.setState({ kind: "connecting", attempt: this.attempt });
    let pairing: Pairing | null;
    try {
      pairing = await this.opts.loadPairing();
    } catch (e) {
      if (abandoned()) return;
      const retryInMs = this.scheduleRetry();
      this.setState({ kind: "down", reason: `the saved pairing could not be read (${e instanceof Error ? e.message : "storage error"})`, retryInMs, attempt: this.attempt });
      return;
    }
    if (abandoned()) return;
    if (!pairing) {
      // Not paired yet: nothing to prove, so nothing to connect for. Pairing (native messaging, which
      // also tells the port, or the typed code) comes first; we look again later.
      this.setState({ kind: "unpaired", port: DEFAULT_PORT, bridgeReachable: false, retryInMs: this.scheduleRetry() });
      return;
    }
    const port = pairing.port;
    const conn = new RpcConnection(this.opts.createSocket, port, this.opts.handshakeTimeoutMs);
    this.handshakeConn = conn;
    try {
      await conn.opened;
    } catch {
      conn.close();
      if (abandoned()) return;
      this.handshakeConn = null;
      const retryInMs = this.scheduleRetry();
      this.setState({ kind: "down", reason: "no bridge answers on 127.0.0.1:" + port, retryInMs, attempt: this.attempt });
      return;
    }
    if (abandoned()) return void conn.close();
    const t = this.opts.handshakeTimeoutMs;
    const fail = (s: () => BridgeState) => {
      conn.close();
      if (abandoned()) return;
      this.handshakeConn = null;
      this.setState(s());
    };
    try {
      const clientNonce = randomNonce();
      const hello = await conn.request(
        "session.hello",
        { protocolVersion: PROTOCOL_VERSION, clientNonce, client: this.opts.clientName },
        t,
      );
      if (checkResult("session.hello", hello)) {
        // Something answers that does not speak our protocol: treat it as an impostor.
        return fail(() => ({ kind: "not-the-bridge", port, retryInMs: this.scheduleRetry() }));
      }
      const h = hello as Result<"session.hello">;
      if (!h.paired) {
        return fail(() => ({ kind: "unpaired", port, bridgeReachable: true, retryInMs: this.scheduleRetry() }));
      }
      const secret = base64ToBytes(pairing.secret);
      const expected = await bridgeProof(secret, clientNonce, h.bridgeNonce, this.opts.origin);
      if (!h.bridgeProof || !sameProof(expected, h.bridgeProof)) {
        return fail(() => ({ kind: "not-the-bridge", port, retryInMs: this.scheduleRetry() }));
      }
      const proof = await clientProof(secret, clientNonce, h.bridgeNonce, this.opts.origin);
      if (abandoned()) return void conn.close();
      const auth = await conn.request("session.authenticate", { clientProof: proof }, t);
      if (checkResult("session.authenticate", auth)) {
        return fail(() => ({ kind: "not-the-bridge", port, retryInMs: this.scheduleRetry() }));
      }
      if (abandoned()) return void conn.close();
      // Authenticated both ways: the one connection in use.
      this.handshakeConn = null;
      this.attempt = 0;
      const previous = this.conn;
      if (previous && previous !== conn) {
        previous.onClose = null;
        previous.onNotification = null;
        previous.close();
      }
      this.conn = conn;
      conn.onNotification = (method, params) => {
        if (this.conn === conn) this.dispatchNotification(method, params);
      };
      conn.onClose = () => {
        if (this.conn !== conn) return;
        this.conn = null;
        if (!this.running) return;
        const retryInMs = this.scheduleRetry();
        this.setState({ kind: "down", reason: "connection to the bridge lost", retryInMs, attempt: this.attempt });
      };
      this.setState({
        kind: "connected",
        port,
        hello: { protocolVersion: h.protocolVersion, bridgeVersion: h.bridgeVersion, capabilities: h.capabilities, demo: h.demo },
      });
    } catch (e) {
      if (e instanceof ClientError && e.code === "UNSUPPORTED_VERSION") {
        return fail(() => ({ kind: "incompatible", message: e.message }));
      }
      if (e instanceof ClientError && (e.code === "AUTHENTICATION_FAILED" || e.code === "NOT_PAIRED")) {
        // The bridge proved a secret but refuses ours, or forgot us: pair again.
        return fail(() => ({ kind: "unpaired", port, bridgeReachable: true, retryInMs: this.scheduleRetry() }));
      }
      conn.close();
      if (abandoned()) return;
      this.handshakeConn = null;
      const retryInMs = this.scheduleRetry();
      this.setState({ kind: "down", reason: e instanceof Error ? e.message : "handshake failed", retryInMs, attempt: this.attempt });
    }
  }

  private dispatchNotification(method: string, params: unknown): void {
    if (!isNotificationName(method)) return; // unknown notifications are ignored (compatibility rule)
    if (checkNotification(method, params)) return; // not trusted
    const set = this.notificationListeners.get(method);
    if (!set) return;
    for (const l of set) {
      try {
        l(params);
      } catch {
        /* keep dispatching */
      }
    }
  }
}

/** Re-exported for callers that list what exists. */
export const KNOWN_METHODS = Object.keys(Methods) as MethodName[];
export const KNOWN_NOTIFICATIONS = Object.keys(Notifications) as NotificationName[];
export { ErrorCode };
