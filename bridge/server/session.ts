/**
 * One WebSocket connection's protocol state: parsing and limits, the handshake, the two-way
 * challenge-response, code pairing, and routing once authenticated. Transport-free (it is given
 * `send` and `close`), so the same logic is what the real server runs and what tests drive.
 *
 * Order of checks for every text frame: rate limit → JSON parse → no batches → depth → envelope →
 * known method → authenticated (or a pre-auth method) → params schema → handler → result schema.
 * Error messages never repeat what the client sent.
 */
import { BridgeError, ErrorCode, type ErrorCodeValue } from "../../shared/protocol/errors.ts";
import { jsonDepth, MAX_JSON_DEPTH, RequestSchema, type JsonRpcFailure } from "../../shared/protocol/jsonrpc.ts";
import { Methods, Notifications, type MethodName, type Params } from "../../shared/protocol/schemas.ts";
import { checkResult, isMethodName } from "../../shared/protocol/validate.ts";
import { describeProblem } from "./describe-problem.ts";
import { SUPPORTED_PROTOCOL_VERSIONS } from "../../shared/protocol/version.ts";
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
import type { ServerContext } from "./context.ts";
import { handlers } from "./router.ts";
import { TokenBucket } from "./rate-limit.ts";

/** WebSocket close codes used by the bridge. */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  UNSUPPORTED_DATA: 1003, // binary frame
  POLICY: 1008, // authentication failures, abuse, handshake timeout, unpaired
  TOO_BIG: 1009, // frame over maxPayload (sent by ws itself)
} as const;

/** Capabilities announced in session.hello: every method and notification this bridge serves. */
export const CAPABILITIES: readonly string[] = [...Object.keys(Methods), ...Object.keys(Notifications).map((n) => `notify:${n}`)];

export interface SessionIO {
  send(text: string): void;
  close(code: number, reason: string): void;
}

/** The connection as the client opened it: bound into version 2 proofs. */
export interface ConnectionBinding {
  /** The local port the connection came in on. */
  port: number;
  /** The Host header of the upgrade request (already checked: a loopback name with our port). */
  host: string;
}

export class Session {
  readonly origin: string;
  authenticated = false;
  /** The protocol version agreed in session.hello (it decides which proofs are checked). */
  private version = 0;
  private clientNonce: string | null = null;
  private bridgeNonce: string | null = null;
  private pairingNonce: string | null = null;
  /** The per-launch credential named in session.hello (null: the pairing secret). */
  private launchId: string | null = null;
  private authFailures = 0;
  private inFlight = 0;
  private strikes = 0;
  private closed = false;
  private readonly bucket: TokenBucket;
  /** Called once the connection is authenticated (the server stops its handshake timer). */
  onAuthenticated: (() => void) | null = null;

  constructor(
    private readonly ctx: ServerContext,
    origin: string,
    private readonly io: SessionIO,
    private readonly connection: ConnectionBinding,
  ) {
    this.origin = origin;
    const rps = Math.max(1, ctx.limits.requestsPerSecond);
    this.bucket = new TokenBucket(rps, rps);
  }

  /** Closes the connection (idempotent). */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.io.close(code, reason);
  }

  isClosed(): boolean {
    return this.closed;
  }

  notify(method: string, params: unknown): void {
    if (!this.authenticated || this.closed) return;
    this.io.send(JSON.stringify({ jsonrpc: "2.0", method, params }));
  }

  onBinary(): void {
    this.ctx.audit.record("frame.binary", this.origin, ErrorCode.INVALID_REQUEST);
    this.close(CloseCode.UNSUPPORTED_DATA, "Binary frames are not accepted");
  }

  /** Handles one text frame. Resolves when its answer (if any) has been sent. */
  async onText(text: string): Promise<void> {
    if (this.closed) return;
    if (!this.bucket.take()) {
      // Repeated abuse: a full second's worth of refused requests closes the connection.
      if (++this.strikes >= Math.max(10, this.ctx.limits.requestsPerSecond)) {
        this.ctx.audit.record("rate-limit", this.origin, ErrorCode.RATE_LIMITED);
        this.close(CloseCode.POLICY, "Too many requests");
        return;
      }
      // Answer with the request's own id so the client can match it (a frame is at most 16 KiB).
      let id: string | number | null = null;
      try {
        id = idOf(JSON.parse(text));
      } catch {
        // not JSON: no id to give back
      }
      this.fail(id, ErrorCode.RATE_LIMITED, "Too many requests; slow down.");
      return;
    }
    this.strikes = 0;

    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.fail(null, ErrorCode.PARSE_ERROR, "The message is not valid JSON.");
      return;
    }
    if (Array.isArray(msg)) {
      this.fail(null, ErrorCode.INVALID_REQUEST, "Batch requests are not supported; send one request per message.", { reason: "batch" });
      return;
    }
    if (jsonDepth(msg) > MAX_JSON_DEPTH) {
      this.fail(null, ErrorCode.INVALID_REQUEST, `The message is nested deeper than ${MAX_JSON_DEPTH} levels.`, { reason: "depth" });
      return;
    }
    const id = idOf(msg);
    const envErr = describeProblem(RequestSchema, msg);
    if (envErr) {
      this.fail(id, ErrorCode.INVALID_REQUEST, `Not a JSON-RPC 2.0 request (${envErr}).`);
      return;
    }
    const req = msg as { id: string | number; method: string; params?: object };
    if (!isMethodName(req.method)) {
      this.ctx.audit.record("unknown-method", this.origin, ErrorCode.METHOD_NOT_FOUND);
      this.fail(req.id, ErrorCode.METHOD_NOT_FOUND, "Unknown method; see docs/protocol.md for the list.");
      return;
    }
    const method: MethodName = req.method;
    if (!this.authenticated && !Methods[method].preAuth) {
      this.ctx.audit.record(method, this.origin, ErrorCode.NOT_AUTHENTICATED);
      this.fail(req.id, ErrorCode.NOT_AUTHENTICATED, "Authenticate first (session.hello, then session.authenticate).");
      return;
    }
    const paramErr = describeProblem(Methods[method].params, req.params ?? {});
    if (paramErr) {
      this.ctx.audit.record(method, this.origin, ErrorCode.INVALID_PARAMS);
      this.fail(req.id, ErrorCode.INVALID_PARAMS, `Invalid params (${paramErr}).`);
      return;
    }
    if (this.inFlight >= this.ctx.limits.maxInFlight) {
      this.fail(req.id, ErrorCode.BUSY, "Too many requests in progress on this connection; wait for the answers.");
      return;
    }
    this.inFlight++;
    try {
      const result = await this.dispatch(method, req.params ?? {});
      const resErr = checkResult(method, result);
      if (resErr) {
        // A service answered outside the protocol: a bug on our side, never the client's.
        this.ctx.log.error("result does not match the protocol schema", { method, problem: resErr });
        throw new BridgeError(ErrorCode.INTERNAL_ERROR, "The bridge produced an invalid answer; see its log.");
      }
      this.ctx.audit.record(method, this.origin, "ok");
      if (!this.closed) this.io.send(JSON.stringify({ jsonrpc: "2.0", id: req.id, result }));
    } catch (e) {
      if (e instanceof BridgeError) {
        this.ctx.audit.record(method, this.origin, e.code);
        this.fail(req.id, e.code, e.message, e.data);
      } else {
        this.ctx.audit.record(method, this.origin, ErrorCode.INTERNAL_ERROR);
        this.ctx.log.error("method failed", { method, error: e });
        this.fail(req.id, ErrorCode.INTERNAL_ERROR, "Internal error; see the bridge's log.");
      }
    } finally {
      this.inFlight--;
      this.afterDispatch();
    }
  }

  private pendingClose: { code: number; reason: string } | null = null;
  private afterDispatch(): void {
    if (this.pendingClose) this.close(this.pendingClose.code, this.pendingClose.reason);
  }

  private fail(id: string | number | null, code: ErrorCodeValue, message: string, data?: Record<string, unknown>): void {
    if (this.closed) return;
    const f: JsonRpcFailure = { jsonrpc: "2.0", id, error: data ? { code, message, data } : { code, message } };
    this.io.send(JSON.stringify(f));
  }

  /** `params` has been checked against the method's schema (onText), hence the casts to its Params. */
  private async dispatch(method: MethodName, params: object): Promise<unknown> {
    switch (method) {
      case "session.hello":
        return this.hello(params as Params<"session.hello">);
      case "session.authenticate":
        return this.authenticate(params as Params<"session.authenticate">);
      case "pairing.begin":
        return this.pairingBegin();
      case "pairing.complete":
        return this.pairingComplete(params as Params<"pairing.complete">);
      default: {
        const h = handlers[method] as ((p: object, ctx: ServerContext) => Promise<unknown>) | undefined;
        if (!h) throw new BridgeError(ErrorCode.METHOD_NOT_FOUND, "Method not available in this bridge.");
        return h(params, this.ctx);
      }
    }
  }

  private async hello(p: { protocolVersion: number; clientNonce: string; launch?: string }) {
    if (this.authenticated) throw new BridgeError(ErrorCode.INVALID_REQUEST, "This connection is already authenticated.");
    this.launchId = p.launch ?? null;
    // The client sends the highest version it speaks; we answer the highest we share with it.
    const shared = SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v <= p.protocolVersion);
    if (shared.length === 0) {
      throw new BridgeError(
        ErrorCode.UNSUPPORTED_VERSION,
        `This bridge speaks protocol versions ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")}; update the extension.`,
        {
          supported: [...SUPPORTED_PROTOCOL_VERSIONS],
        },
      );
    }
    const paired = this.isPaired();
    this.version = Math.max(...shared);
    this.clientNonce = p.clientNonce;
    this.bridgeNonce = randomNonce();
    if (this.version < 2) {
      // An extension from before version 2: served (docs/protocol.md), but its proofs do not bind the port.
      this.ctx.log.warn("extension speaks protocol 1: its proofs are not bound to the port; update the extension", {
        origin: this.origin,
      });
    }
    return {
      protocolVersion: this.version,
      bridgeVersion: this.ctx.bridgeVersion,
      capabilities: [...CAPABILITIES],
      demo: this.ctx.demo,
      paired,
      bridgeNonce: this.bridgeNonce,
      bridgeProof: await this.proveBridge(p.clientNonce, this.bridgeNonce, paired),
    };
  }

  /** This connection may authenticate: its origin is paired, or it names a credential it may use. */
  private isPaired(): boolean {
    if (this.launchId !== null) return this.ctx.launch.keyFor(this.launchId, this.origin) !== null;
    return this.ctx.pairing.isPaired(this.origin);
  }

  /**
   * The key the proofs use: the per-launch credential named in session.hello, else the pairing
   * secret. A named credential this bridge does not hold (revoked, another origin's) has no key: the
   * bridge then proves nothing (`paired` false, no proof), and the client asks its host again.
   */
  private key(): Uint8Array<ArrayBuffer> | null {
    if (this.launchId !== null) return this.ctx.launch.keyFor(this.launchId, this.origin);
    return this.ctx.pairing.secret();
  }

  /** The per-launch credential this connection authenticated with, if any (closed when its host detaches). */
  get credentialId(): string | null {
    return this.authenticated ? this.launchId : null;
  }

  private binding(): ProofBinding {
    return { origin: this.origin, port: this.connection.port, host: this.connection.host };
  }

  /**
   * Version 2: always a proof, bound to the connection and covering `paired` (so "not paired" is a
   * claim only this bridge can make). Version 1: a proof only when paired, as before.
   */
  private async proveBridge(clientNonce: string, bridgeNonce: string, paired: boolean): Promise<string | null> {
    const secret = this.key();
    if (!secret) return null;
    if (this.version >= 2) return boundBridgeProof(secret, clientNonce, bridgeNonce, this.binding(), paired);
    return paired ? bridgeProof(secret, clientNonce, bridgeNonce, this.origin) : null;
  }

  private expectedClientProof(secret: Uint8Array<ArrayBuffer>, clientNonce: string, bridgeNonce: string): Promise<string> {
    if (this.version >= 2) return boundClientProof(secret, clientNonce, bridgeNonce, this.binding());
    return clientProof(secret, clientNonce, bridgeNonce, this.origin);
  }

  private async authenticate(p: { clientProof: string }) {
    if (this.authenticated) throw new BridgeError(ErrorCode.INVALID_REQUEST, "This connection is already authenticated.");
    if (!this.clientNonce || !this.bridgeNonce) throw new BridgeError(ErrorCode.AUTHENTICATION_FAILED, "Call session.hello first.");
    const secret = this.key();
    if (!secret || !this.isPaired()) {
      if (this.launchId !== null) {
        throw new BridgeError(ErrorCode.NOT_PAIRED, "This bridge does not hold that credential (its host has gone); ask the host again.");
      }
      throw new BridgeError(
        ErrorCode.NOT_PAIRED,
        "This extension is not paired with the bridge. Pair it from the setup page (or run `mss-bridge pair`).",
      );
    }
    const wait = this.ctx.authBackoff.waitMs(this.origin);
    if (wait > 0)
      throw new BridgeError(ErrorCode.RATE_LIMITED, "Too many failed authentications; wait and try again.", { retryAfterMs: wait });
    // One attempt per hello: the nonces are spent whatever the outcome.
    const clientNonce = this.clientNonce;
    const bridgeNonce = this.bridgeNonce;
    this.clientNonce = this.bridgeNonce = null;
    const expected = await this.expectedClientProof(secret, clientNonce, bridgeNonce);
    if (!sameProof(expected, p.clientProof)) {
      this.ctx.authBackoff.fail(this.origin);
      this.ctx.log.warn("authentication failed", { origin: this.origin });
      if (++this.authFailures >= this.ctx.limits.maxAuthFailuresPerConnection) {
        this.pendingClose = { code: CloseCode.POLICY, reason: "Too many failed authentications" };
      }
      throw new BridgeError(ErrorCode.AUTHENTICATION_FAILED, "The proof is wrong. Pair the extension with the bridge again.");
    }
    this.ctx.authBackoff.succeed(this.origin);
    if (this.launchId !== null) this.ctx.launch.bind(this.launchId, this.origin);
    this.authenticated = true;
    this.onAuthenticated?.();
    return { authenticated: true as const };
  }

  private async pairingBegin() {
    if (!this.ctx.pairingWindow.isOpen()) {
      throw new BridgeError(
        ErrorCode.PAIRING_FAILED,
        "No pairing code is being shown. Run `mss-bridge pair` in a terminal and type the code it shows.",
        { reason: "no-window" },
      );
    }
    this.pairingNonce = randomNonce();
    return { pairingNonce: this.pairingNonce };
  }

  private async pairingComplete(p: { clientNonce: string; proof: string }) {
    const pairingNonce = this.pairingNonce;
    this.pairingNonce = null; // one try per pairing.begin
    if (!pairingNonce) throw new BridgeError(ErrorCode.PAIRING_FAILED, "Call pairing.begin first.", { reason: "no-begin" });
    const code = this.ctx.pairingWindow.currentCode();
    if (!code)
      throw new BridgeError(ErrorCode.PAIRING_FAILED, "The pairing code has expired. Run `mss-bridge pair` again.", {
        reason: "no-window",
      });
    const expected = await pairingProof(code, pairingNonce, p.clientNonce, this.origin);
    if (!sameProof(expected, p.proof)) {
      const left = this.ctx.pairingWindow.recordFailure();
      this.ctx.log.warn("wrong pairing code", { origin: this.origin, attemptsLeft: left });
      throw new BridgeError(
        ErrorCode.PAIRING_FAILED,
        left > 0 ? "Wrong code; check it and type it again." : "Wrong code too many times; run `mss-bridge pair` again for a new code.",
        { reason: "wrong-code", attemptsLeft: left },
      );
    }
    this.ctx.pairing.addOrigin(this.origin, "code");
    this.ctx.pairingWindow.succeed(this.origin);
    this.ctx.onPaired?.(this.origin, "code");
    this.ctx.log.info("paired by code", { origin: this.origin });
    return {
      sealedSecret: await sealSecret(this.ctx.pairing.secret(), code, pairingNonce, p.clientNonce),
      port: this.ctx.port(),
    };
  }
}

/** The request id, when the message has a usable one (so even an invalid request gets a matched answer). */
function idOf(msg: unknown): string | number | null {
  if (msg === null || typeof msg !== "object") return null;
  const id = (msg as { id?: unknown }).id;
  if (typeof id === "string" && id.length <= 64) return id;
  if (typeof id === "number" && Number.isSafeInteger(id)) return id;
  return null;
}
