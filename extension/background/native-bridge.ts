/**
 * The native port to the `mssante_bridge` host, kept open for the background page's lifetime.
 * Thunderbird starts the host (registered by `mss-bridge install` for this add-on id only); the
 * host attaches to this user's bridge — starting one when none runs — and sends, unasked, one
 * message: {type: "bridge", port, credential, launchId, protocolVersion, bridgeVersion}. The
 * credential is fresh for this launch, held only in memory here, and valid while the port stays
 * open; the bridge client proves it exactly as it proves a stored pairing secret. When the port
 * drops (the host or the bridge went away, no host installed), it is opened again with backoff.
 */
import { NATIVE_HOST_NAME } from "../../shared/constants.ts";
import { type HandOver, parseHandOver } from "../../shared/protocol/native-hand-over.ts";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.ts";
import type { Messenger, NativePort } from "./messenger-types.ts";
import type { Pairing } from "./pairing-store.ts";

/** The extension's origin as the bridge sees it in the WebSocket Origin header. */
export function extensionOrigin(m: Messenger): string {
  return m.runtime.getURL("").replace(/\/+$/, "");
}

/** What the page and the badge may know of the native port (never the credential). */
export type NativeState = { kind: "connecting" } | { kind: "ready"; port: number } | { kind: "down"; reason: string; retryInMs: number };

export interface NativeBridgeOptions {
  backoff?: BackoffOptions;
  random?: () => number;
  /** A hand-over that lasted this long resets the backoff. */
  stableMs?: number;
}

export class NativeBridge {
  private port: NativePort | null = null;
  private handOver: HandOver | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readyAt = 0;
  private running = false;
  private stateValue: NativeState = { kind: "connecting" };
  private readonly listeners = new Set<(s: NativeState) => void>();
  private readonly opts: Required<NativeBridgeOptions>;

  constructor(
    private readonly m: Messenger,
    opts: NativeBridgeOptions = {},
  ) {
    this.opts = { backoff: DEFAULT_BACKOFF, random: Math.random, stableMs: 60_000, ...opts };
  }

  get state(): NativeState {
    return this.stateValue;
  }

  /** The hand-over as a pairing for the bridge client (in memory only), or null while there is none. */
  pairing(): Pairing | null {
    const h = this.handOver;
    if (!h) return null;
    return { port: h.port, secret: h.credential, pairedAt: new Date(this.readyAt).toISOString(), via: "launch", launchId: h.launchId };
  }

  onChange(listener: (s: NativeState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  stop(): void {
    this.running = false;
    this.drop();
  }

  /** Closes the port and opens a new one now: the host hands over a fresh credential (a refused one, or the user asked). */
  restart(): void {
    this.running = true;
    this.drop();
    this.connect();
  }

  /** Opens the port again after the backoff (the credential was refused: the bridge may have changed). */
  retryLater(reason: string): void {
    if (!this.running) return;
    this.drop();
    this.scheduleRetry(reason);
  }

  private drop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const p = this.port;
    this.port = null;
    this.handOver = null;
    if (p) {
      try {
        p.disconnect();
      } catch {
        // already gone
      }
    }
  }

  private setState(s: NativeState): void {
    this.stateValue = s;
    for (const l of this.listeners) {
      try {
        l(s);
      } catch {
        /* a listener's failure must not break the port */
      }
    }
  }

  private connect(): void {
    if (!this.running) return;
    this.setState({ kind: "connecting" });
    let port: NativePort;
    try {
      port = this.m.runtime.connectNative(NATIVE_HOST_NAME);
    } catch (e) {
      this.scheduleRetry(e instanceof Error ? e.message : "connectNative failed");
      return;
    }
    this.port = port;
    port.onMessage.addListener((msg: unknown) => {
      if (this.port !== port || this.handOver) return; // only the first message counts
      const h = parseHandOver(msg);
      if (!h || h.type === "error") {
        this.retryLater(h?.type === "error" ? h.message : "the native host's first message is not a hand-over");
        return;
      }
      this.handOver = h;
      this.readyAt = Date.now();
      this.setState({ kind: "ready", port: h.port });
    });
    port.onDisconnect.addListener((p: NativePort) => {
      if (this.port !== port) return;
      this.port = null;
      const lasted = this.handOver !== null && Date.now() - this.readyAt >= this.opts.stableMs;
      this.handOver = null;
      if (lasted) this.attempt = 0;
      this.scheduleRetry(p.error?.message ?? "the native host closed the port");
    });
  }

  private scheduleRetry(reason: string): void {
    if (!this.running) return;
    const retryInMs = backoffDelay(this.attempt++, this.opts.backoff, this.opts.random);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, retryInMs);
    this.setState({ kind: "down", reason: reason.slice(0, 300), retryInMs });
  }
}
