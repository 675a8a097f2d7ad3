/**
 * Sends fuzz cases to a running bridge over real WebSockets and classifies what comes back.
 * Several connections in parallel, each in lock-step (one frame, then its answer or the close) and
 * paced under the bridge's per-connection rate limit, so every answered frame went through the
 * parser rather than being refused by the token bucket. A connection the bridge closes is replaced
 * (authenticated again for the post-authentication phase).
 *
 * "Reached the parser" is counted client-side: the bridge has no counter of parsed frames, and
 * every text frame it parses gets exactly one answer, so it is the number of answers that are not
 * the per-connection rate-limit refusal (which is decided before parsing).
 */
import WebSocket from "ws";
import { WS_PATH } from "../../shared/constants.ts";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import { boundBridgeProof, boundClientProof, randomNonce, sameProof } from "../../shared/protocol/proofs.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol/version.ts";
import { ECHO_MARKER, frameOf, type FuzzCase } from "./fuzz-generator.ts";

export interface FuzzOptions {
  port: number;
  origin: string;
  /** When given, every connection authenticates before its cases (post-authentication phase). */
  secret?: Uint8Array<ArrayBuffer>;
  workers?: number;
  /** Minimum time between two frames of one connection (the bridge allows 50 a second). */
  minIntervalMs?: number;
  replyTimeoutMs?: number;
}

export interface FuzzFailure {
  n: number;
  family: string;
  problem: string;
}

export interface FuzzStats {
  sent: number;
  /** Answers that went through the parser (everything answered but the rate-limit refusal). */
  reachedParser: number;
  typedErrors: number;
  /** A mutation that happened to be a valid request, answered with a result. */
  successes: number;
  rateLimited: number;
  /** Connections closed by the bridge in answer to a frame, by close code. */
  closes: Record<string, number>;
  errorCodes: Record<string, number>;
  reconnects: number;
  /** Cases sent again because the connection closed for another reason (handshake timeout). */
  retried: number;
  failures: FuzzFailure[];
  ms: number;
}

const KNOWN_CODES = new Set<number>(Object.values(ErrorCode));
const CODE_NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([k, v]) => [v, k]));
/** Close codes the bridge may use for a refused frame (binary 1003, bad UTF-8 1007, policy 1008, too big 1009). */
const ALLOWED_CLOSES = new Set([1003, 1007, 1008, 1009]);
/** Closes that are not an answer to the frame in flight: the case is sent again. */
const UNRELATED_CLOSE = /Authentication timed out|Too many failed authentications/;

type Outcome = { kind: "reply"; msg: any } | { kind: "close"; code: number; reason: string } | { kind: "timeout" };

class Conn {
  private waiter: ((o: Outcome) => void) | null = null;
  closed: { code: number; reason: string } | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      let msg: any;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        msg = { __unparseable: isBinary ? "binary" : data.toString().slice(0, 200) };
      }
      if (msg && typeof msg === "object" && msg.method && msg.id === undefined) return; // a notification
      const w = this.waiter;
      this.waiter = null;
      w?.({ kind: "reply", msg });
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      const w = this.waiter;
      this.waiter = null;
      w?.({ kind: "close", ...this.closed });
    });
    ws.on("error", () => {
      /* the close event follows */
    });
  }

  static open(port: number, origin: string): Promise<Conn> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${WS_PATH}`, { origin, perMessageDeflate: false, maxPayload: 1 << 20 });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new Conn(ws)));
      ws.once("unexpected-response", (_q, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      ws.once("error", reject);
    });
  }

  send(data: string | Buffer, binary: boolean, timeoutMs: number): Promise<Outcome> {
    if (this.closed) return Promise.resolve({ kind: "close", ...this.closed });
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiter = null;
        resolve({ kind: "timeout" });
      }, timeoutMs);
      this.waiter = (o) => {
        clearTimeout(t);
        resolve(o);
      };
      this.ws.send(data, { binary });
    });
  }

  async call(method: string, params: unknown, timeoutMs = 10_000): Promise<any> {
    const o = await this.send(JSON.stringify({ jsonrpc: "2.0", id: "setup", method, params }), false, timeoutMs);
    if (o.kind !== "reply") throw new Error(`${method}: ${o.kind === "close" ? `closed ${o.code} ${o.reason}` : "no answer"}`);
    if (o.msg.error) throw Object.assign(new Error(`${method}: ${o.msg.error.message}`), { code: o.msg.error.code });
    return o.msg.result;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Opens a connection; with a secret, does hello + verifies the bridge's proof + authenticates. */
async function connect(opts: FuzzOptions): Promise<Conn> {
  const c = await Conn.open(opts.port, opts.origin);
  if (!opts.secret) return c;
  const clientNonce = randomNonce();
  const hello = await c.call("session.hello", { protocolVersion: PROTOCOL_VERSION, clientNonce });
  const binding = { origin: opts.origin, port: opts.port, host: `127.0.0.1:${opts.port}` };
  const expected = await boundBridgeProof(opts.secret, clientNonce, hello.bridgeNonce, binding, true);
  if (!hello.bridgeProof || !sameProof(expected, hello.bridgeProof)) throw new Error("the bridge could not prove the secret");
  await c.call("session.authenticate", { clientProof: await boundClientProof(opts.secret, clientNonce, hello.bridgeNonce, binding) });
  return c;
}

/** What is wrong with an answer, or null when it is a typed error or a well-formed result. */
export function checkAnswer(msg: any): string | null {
  if (!msg || typeof msg !== "object" || msg.jsonrpc !== "2.0") return "not a JSON-RPC 2.0 answer";
  if ("__unparseable" in msg) return "the answer is not JSON";
  if (msg.error !== undefined) {
    // The id is the client's own, echoed by design; a result may name what was asked (trust.check
    // answers the address it checked); an error message never repeats the input.
    if (JSON.stringify(msg.error).includes(ECHO_MARKER)) return "the error repeats what the client sent";
    if (!Number.isInteger(msg.error.code) || !KNOWN_CODES.has(msg.error.code)) return `untyped error code ${msg.error.code}`;
    if (typeof msg.error.message !== "string" || msg.error.message.length === 0) return "error without a message";
    if (msg.error.code === ErrorCode.INTERNAL_ERROR) return "INTERNAL_ERROR (a bug on the bridge's side)";
    return null;
  }
  if (!("result" in msg)) return "neither result nor error";
  return null;
}

export async function runFuzz(cases: readonly FuzzCase[], opts: FuzzOptions): Promise<FuzzStats> {
  const workers = opts.workers ?? 8;
  const interval = opts.minIntervalMs ?? 25;
  const replyTimeout = opts.replyTimeoutMs ?? 20_000;
  const stats: FuzzStats = {
    sent: 0,
    reachedParser: 0,
    typedErrors: 0,
    successes: 0,
    rateLimited: 0,
    closes: {},
    errorCodes: {},
    reconnects: 0,
    retried: 0,
    failures: [],
    ms: 0,
  };
  const started = performance.now();
  let next = 0;

  const worker = async () => {
    let conn: Conn | null = null;
    let last = 0;
    try {
      for (;;) {
        const i = next++;
        if (i >= cases.length) return;
        const c = cases[i]!;
        for (let attempt = 0; ; attempt++) {
          if (!conn || conn.closed) {
            if (conn) stats.reconnects++;
            conn = await connect(opts);
          }
          const wait = last + interval - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          last = performance.now();
          const { data, binary } = frameOf(c);
          stats.sent++;
          const o = await conn.send(data, binary, replyTimeout);
          if (o.kind === "close" && UNRELATED_CLOSE.test(o.reason) && c.expect === "reply" && attempt < 2) {
            stats.retried++;
            stats.sent--;
            continue;
          }
          classify(c, o, stats);
          if (o.kind === "timeout") {
            conn.close();
            conn = null;
          }
          break;
        }
      }
    } finally {
      conn?.close();
    }
  };

  await Promise.all(Array.from({ length: workers }, worker));
  stats.ms = Math.round(performance.now() - started);
  return stats;
}

function classify(c: FuzzCase, o: Outcome, s: FuzzStats): void {
  const fail = (problem: string): void => {
    s.failures.push({ n: c.n, family: c.family, problem });
  };
  if (o.kind === "timeout") {
    fail("no answer and no close");
    return;
  }
  if (o.kind === "close") {
    s.closes[o.code] = (s.closes[o.code] ?? 0) + 1;
    if (!ALLOWED_CLOSES.has(o.code)) fail(`closed with code ${o.code}`);
    // A frame within the limits may only close the connection for a policy reason (1008).
    else if (c.expect === "reply" && o.code !== 1008) fail(`a frame within the limits closed the connection (${o.code})`);
    return;
  }
  if (c.expect === "close") {
    fail("a frame the transport must refuse was answered");
    return;
  }
  const problem = checkAnswer(o.msg);
  if (problem) {
    fail(problem);
    return;
  }
  const required = (c as FuzzCase & { code?: number }).code;
  if (required !== undefined && o.msg.error?.code !== required) {
    fail(`expected error ${required}, got ${JSON.stringify(o.msg.error?.code ?? "a result")}`);
    return;
  }
  if (o.msg.error) {
    const code = o.msg.error.code as number;
    s.errorCodes[CODE_NAMES.get(code) ?? String(code)] = (s.errorCodes[CODE_NAMES.get(code) ?? String(code)] ?? 0) + 1;
    // The per-connection bucket refuses before parsing; the authentication backoff (with retryAfterMs) is after.
    if (code === ErrorCode.RATE_LIMITED && o.msg.error.data?.retryAfterMs === undefined) {
      s.rateLimited++;
      return;
    }
    s.typedErrors++;
  } else {
    s.successes++;
  }
  s.reachedParser++;
}
