/**
 * The typed client of the local bridge. Each connection is authenticated both ways before anything
 * else is sent (shared/protocol/proofs.ts): the bridge must prove the pairing secret first — a peer
 * that cannot is "not-the-bridge" (a port squatter) and gets nothing, not even our proof — then we
 * prove it back. Every reply and notification is checked against the shared schemas before use.
 * Connection losses are retried with exponential backoff; the state is published for the badge,
 * the popup and the setup page.
 */
import { DEFAULT_PORT } from "../../shared/constants.ts";
import type { MethodName, NotificationName, NotificationParams, Params, Result } from "../../shared/protocol/schemas.ts";
import { checkNotification, checkResult, isNotificationName, isResult } from "../../shared/protocol/validate.ts";
import { MIN_BRIDGE_PROTOCOL_VERSION, PROTOCOL_VERSION } from "../../shared/protocol/version.ts";
import {
  base64ToBytes,
  boundBridgeProof,
  boundClientProof,
  openSecret,
  pairingProof,
  randomNonce,
  sameProof,
  type ProofBinding,
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
  /**
   * The bridge answers but does not know this installation (or we have no secret yet). `revoked`:
   * the bridge proved the secret while saying so — only then is the pairing withdrawn; an unproven
   * "not paired" (another user's bridge, a squatter) leaves the stored secret alone.
   */
  | { kind: "unpaired"; port: number; bridgeReachable: boolean; retryInMs: number; revoked?: boolean }
  /** The peer on the port could not prove the secret: not our bridge. Nothing was sent to it. */
  | { kind: "not-the-bridge"; port: number; retryInMs: number }
  /**
   * No protocol version both accept (docs/protocol.md §8). `update`: the side that is older and must
   * be updated — the bridge (it answered a version below MIN_BRIDGE_PROTOCOL_VERSION) or this
   * extension (the bridge supports only versions above ours: UNSUPPORTED_VERSION).
   */
  | { kind: "incompatible"; message: string; update: "bridge" | "extension" }
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

/**
 * How the proofs on an open socket ended. A refusal's state is computed only when it is published
 * (an abandoned attempt schedules no retry).
 */
type HandshakeOutcome =
  | { kind: "authenticated"; hello: Result<"session.hello"> }
  | { kind: "refused"; state: () => BridgeState }
  | { kind: "abandoned" };

const refused = (state: () => BridgeState): HandshakeOutcome => ({ kind: "refused", state });

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
    if (!set) {
      set = new Set();
      this.notificationListeners.set(name, set);
    }
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
    if (!isResult(method, raw))
      throw new ClientError("INVALID_REPLY", `reply to ${method} does not match the protocol (${checkResult(method, raw)})`);
    return raw;
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
      if (!isResult("pairing.begin", begin)) throw new ClientError("INVALID_REPLY", "invalid reply to pairing.begin");
      const { pairingNonce } = begin;
      const clientNonce = randomNonce();
      const proof = await pairingProof(code, pairingNonce, clientNonce, this.opts.origin);
      const done = await conn.request("pairing.complete", { clientNonce, proof }, t);
      if (!isResult("pairing.complete", done)) throw new ClientError("INVALID_REPLY", "invalid reply to pairing.complete");
      const { sealedSecret, port: bridgePort } = done;
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

  /**
   * One connection attempt: the saved pairing, a socket to its port, proofs both ways, then that
   * socket is the connection in use. Each step publishes its own failure. stop() or reconnectNow()
   * since the attempt began abandons it: it leaves no trace (socket closed, no state, no retry).
   */
  private async handshake(epoch: number): Promise<void> {
    const abandoned = () => epoch !== this.epoch;
    this.setState({ kind: "connecting", attempt: this.attempt });
    const pairing = await this.readPairing(abandoned);
    if (!pairing) return;
    const conn = await this.openHandshakeSocket(pairing.port, abandoned);
    if (!conn) return;
    const outcome = await this.proveBothWays(conn, pairing, abandoned).catch((e: unknown) => this.refusalOf(e, pairing.port));
    if (outcome.kind === "abandoned") return void conn.close();
    if (outcome.kind === "refused") return this.failHandshake(conn, abandoned, outcome.state);
    this.adoptConnection(conn, pairing.port, outcome.hello);
  }

  /** The saved pairing; null when there is none or it cannot be read (the state says so) or the attempt was abandoned. */
  private async readPairing(abandoned: () => boolean): Promise<Pairing | null> {
    let pairing: Pairing | null;
    try {
      pairing = await this.opts.loadPairing();
    } catch (e) {
      if (!abandoned())
        this.setState(this.downState(`the saved pairing could not be read (${e instanceof Error ? e.message : "storage error"})`));
      return null;
    }
    if (abandoned()) return null;
    // Not paired yet: nothing to prove, so nothing to connect for. Pairing (native messaging, which
    // also tells the port, or the typed code) comes first; we look again later.
    if (!pairing) this.setState(this.unpairedState(DEFAULT_PORT, false));
    return pairing;
  }

  /** A socket to the paired port, open; null when nothing answers there (the state says so) or the attempt was abandoned. */
  private async openHandshakeSocket(port: number, abandoned: () => boolean): Promise<RpcConnection | null> {
    const conn = new RpcConnection(this.opts.createSocket, port, this.opts.handshakeTimeoutMs);
    this.handshakeConn = conn;
    try {
      await conn.opened;
    } catch {
      this.failHandshake(conn, abandoned, () => this.downState(`no bridge answers on 127.0.0.1:${port}`));
      return null;
    }
    if (abandoned()) {
      conn.close();
      return null;
    }
    return conn;
  }

  /**
   * session.hello, then the bridge's proof of the secret checked before anything of ours is sent,
   * then our proof (session.authenticate). A peer that cannot prove the secret is not the bridge.
   * The proofs (protocol 2) bind the port and Host we connected to: a relay listening on our port and
   * forwarding to the bridge on another gets proofs for the wrong port. A bridge that answers an older
   * version is refused (update it) rather than trusted with proofs a relay could pass.
   * Throws what the connection throws (see refusalOf).
   */
  private async proveBothWays(conn: RpcConnection, pairing: Pairing, abandoned: () => boolean): Promise<HandshakeOutcome> {
    const port = pairing.port;
    const clientNonce = randomNonce();
    const hello = await this.sayHello(conn, clientNonce, pairing.via === "launch" ? pairing.launchId : undefined);
    // A per-launch credential is never "withdrawn": refused, the native port is asked for a fresh one.
    const canRevoke = pairing.via !== "launch";
    // Something answers that does not speak our protocol: treat it as an impostor.
    if (!hello) return refused(() => this.notTheBridgeState(port));
    if (hello.protocolVersion < MIN_BRIDGE_PROTOCOL_VERSION) return refused(() => this.tooOldState(port, hello));
    const secret = base64ToBytes(pairing.secret);
    const binding: ProofBinding = { origin: this.opts.origin, port, host: `127.0.0.1:${port}` };
    const proven = await this.bridgeProvedSecret(secret, clientNonce, hello, binding);
    // "Not paired" counts as a withdrawal only when the bridge proved it (the proof covers `paired`).
    if (!hello.paired) return refused(() => this.unpairedState(port, true, proven && canRevoke));
    if (!proven) return refused(() => this.notTheBridgeState(port));
    const proof = await boundClientProof(secret, clientNonce, hello.bridgeNonce, binding);
    if (abandoned()) return { kind: "abandoned" };
    let accepted: boolean;
    try {
      accepted = await this.sendClientProof(conn, proof);
    } catch (e) {
      // The bridge proved itself on this very connection: its refusal of our proof is a real one.
      if (e instanceof ClientError && (e.code === "AUTHENTICATION_FAILED" || e.code === "NOT_PAIRED")) {
        return refused(() => this.unpairedState(port, true, canRevoke));
      }
      throw e;
    }
    if (!accepted) return refused(() => this.notTheBridgeState(port));
    if (abandoned()) return { kind: "abandoned" };
    return { kind: "authenticated", hello };
  }

  /** A bridge from before protocol 2: its proofs do not bind the port, so it is not trusted. */
  private tooOldState(port: number, hello: Result<"session.hello">): BridgeState {
    return {
      kind: "incompatible",
      update: "bridge",
      message:
        `The bridge on port ${port} (version ${hello.bridgeVersion}) speaks protocol ${hello.protocolVersion}; this extension needs ` +
        `protocol ${MIN_BRIDGE_PROTOCOL_VERSION} or later. Update the MSSanté bridge (mss-bridge) and restart it.`,
    };
  }

  /** The bridge's hello, or null when the reply is not the protocol's. */
  private async sayHello(conn: RpcConnection, clientNonce: string, launch?: string): Promise<Result<"session.hello"> | null> {
    const hello = await conn.request(
      "session.hello",
      { protocolVersion: PROTOCOL_VERSION, clientNonce, client: this.opts.clientName, ...(launch ? { launch } : {}) },
      this.opts.handshakeTimeoutMs,
    );
    return isResult("session.hello", hello) ? hello : null;
  }

  private async bridgeProvedSecret(
    secret: Uint8Array<ArrayBuffer>,
    clientNonce: string,
    hello: Result<"session.hello">,
    binding: ProofBinding,
  ): Promise<boolean> {
    if (!hello.bridgeProof) return false;
    const expected = await boundBridgeProof(secret, clientNonce, hello.bridgeNonce, binding, hello.paired);
    return sameProof(expected, hello.bridgeProof);
  }

  /** session.authenticate with our proof; false when the reply is not the protocol's. */
  private async sendClientProof(conn: RpcConnection, proof: string): Promise<boolean> {
    const auth = await conn.request("session.authenticate", { clientProof: proof }, this.opts.handshakeTimeoutMs);
    return isResult("session.authenticate", auth);
  }

  /** What an error thrown during the proofs means: an incompatible bridge, a pairing to redo, or a connection lost. */
  private refusalOf(e: unknown, port: number): HandshakeOutcome {
    if (e instanceof ClientError && e.code === "UNSUPPORTED_VERSION") {
      return refused(() => ({ kind: "incompatible", message: e.message, update: olderSide(e.data?.supported) }));
    }
    if (e instanceof ClientError && (e.code === "AUTHENTICATION_FAILED" || e.code === "NOT_PAIRED")) {
      // Said before any proof (session.authenticate's refusals are handled in proveBothWays): a claim
      // anyone on the port can make, so it withdraws nothing.
      return refused(() => this.unpairedState(port, true, false));
    }
    return refused(() => this.downState(e instanceof Error ? e.message : "handshake failed"));
  }

  /** Closes the handshake's socket and, unless the attempt was abandoned, publishes `state` (computed only then: it may schedule a retry). */
  private failHandshake(conn: RpcConnection, abandoned: () => boolean, state: () => BridgeState): void {
    conn.close();
    if (abandoned()) return;
    this.handshakeConn = null;
    this.setState(state());
  }

  /** Authenticated both ways: `conn` replaces any previous connection and the client is connected. */
  private adoptConnection(conn: RpcConnection, port: number, hello: Result<"session.hello">): void {
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
      this.setState(this.downState("connection to the bridge lost"));
    };
    this.setState({
      kind: "connected",
      port,
      hello: {
        protocolVersion: hello.protocolVersion,
        bridgeVersion: hello.bridgeVersion,
        capabilities: hello.capabilities,
        demo: hello.demo,
      },
    });
  }

  /** "down", with a retry scheduled (the attempt count is the one after scheduling). */
  private downState(reason: string): BridgeState {
    const retryInMs = this.scheduleRetry();
    return { kind: "down", reason, retryInMs, attempt: this.attempt };
  }

  private unpairedState(port: number, bridgeReachable: boolean, revoked = false): BridgeState {
    return { kind: "unpaired", port, bridgeReachable, retryInMs: this.scheduleRetry(), revoked };
  }

  private notTheBridgeState(port: number): BridgeState {
    return { kind: "not-the-bridge", port, retryInMs: this.scheduleRetry() };
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

/**
 * Which side to update when the bridge refused our version (UNSUPPORTED_VERSION, `data.supported`):
 * the bridge answers the highest version both speak, so a refusal means it speaks only versions
 * above ours — this extension is the older one. Only a list holding a version we speak (against
 * the rule: that bridge is behind) names the bridge.
 */
export function olderSide(supported: unknown): "bridge" | "extension" {
  const versions = Array.isArray(supported) ? supported.filter((v): v is number => Number.isInteger(v)) : [];
  return versions.some((v) => v <= PROTOCOL_VERSION) ? "bridge" : "extension";
}
