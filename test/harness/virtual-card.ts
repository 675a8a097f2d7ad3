/**
 * A virtual smart card for the vsmartcard `vpcd` reader driver loaded by pcscd.
 *
 * The vpcd protocol is tiny: the driver listens on TCP (127.0.0.1:35963 for "Virtual PCD 00 00",
 * 35964 for "Virtual PCD 00 01"); the card connects as a client. Frames are a big-endian uint16
 * length + payload. A 1-byte payload is a control code (0 power off, 1 power on, 2 reset,
 * 4 "send your ATR"), anything else is a command APDU the card answers with a response APDU.
 * Connecting inserts the card, closing the socket removes it. pcscd polls the virtual reader about
 * every 400 ms, so an insertion is seen up to ~0.4 s later: that is the floor of any latency figure.
 *
 * insert() timestamps are kept (`insertions`, also returned by insert()) so a benchmark can
 * measure "card inserted → event": `at` (performance.now() in this process) and `epochMs`
 * (sub-millisecond epoch time, comparable with another process's performance.timeOrigin + now()).
 */
import net from "node:net";
import { performance } from "node:perf_hooks";

export const VPCD_DEFAULT_PORT = 35963;

/** Reader name pcscd gives the vpcd slot listening on `port` (base port 35963 → "… 00 00"). */
export function vpcdReaderName(port = VPCD_DEFAULT_PORT, basePort = VPCD_DEFAULT_PORT, friendlyName = "Virtual PCD"): string {
  const slot = port - basePort;
  if (slot < 0 || slot > 9) throw new Error(`Port ${port} is not a vpcd slot of base port ${basePort}`);
  return `${friendlyName} 00 0${slot}`;
}

/** ATRs of the card models (docs/domain/mssante.md), for tests and the demo. */
export const ATR = {
  CPS3_CONTACT: "3BAC00402A001225006480000310009000",
  CPS3_CONTACTLESS: "3B8F80010031B86404B0ECC1739401808290000E",
  CPS4: "3B9B188001001225006480040100009044",
  CPS4_T0: "3BDC18FF00001225006480000401009000",
  /** A card no database entry matches (a JCOP-like ATR). */
  UNKNOWN: "3BF81300008131FE454A434F5076323431B7",
} as const;

export type ApduHandler = (command: Buffer) => Buffer | Promise<Buffer>;

export interface VirtualCardOptions {
  /** vpcd port (35963 = first slot, 35964 = second). */
  port?: number;
  host?: string;
  /** Answers command APDUs; by default every command gets 6D00 (instruction not supported). */
  onApdu?: ApduHandler;
  /**
   * Keep the card "in the reader" when the driver goes away (pcscd stopped): reconnect every
   * `reconnectMs` until remove() is called, as a physical card stays in a reader while pcscd restarts.
   */
  stayInserted?: boolean;
  reconnectMs?: number;
  /** insert() retries a refused connection this long (pcscd may still be loading the driver). */
  connectTimeoutMs?: number;
  /**
   * insert() waits until this long after the last remove(). pcscd polls vpcd every ~400 ms and
   * reads the ATR only when presence changes: a card swapped faster than a poll would never be
   * seen going, and the new ATR never read. A person cannot swap a card that fast anyway.
   */
  minGapMs?: number;
}

export interface Insertion {
  atr: string;
  /** performance.now() when the TCP connection to the reader was established (the card is in). */
  at: number;
  /** Date.now() at the same moment. */
  wallClock: number;
  /** The same moment as sub-millisecond epoch time (performance.timeOrigin + at): comparable across processes. */
  epochMs: number;
}

export class VirtualCard {
  readonly port: number;
  readonly host: string;
  /** Every completed insert(), oldest first (for latency measurements). */
  readonly insertions: Insertion[] = [];
  /** Control codes and APDUs the reader sent, for assertions (e.g. "nothing connected to the card"). */
  readonly received: { kind: "control" | "apdu"; data: Buffer }[] = [];
  private socket: net.Socket | null = null;
  private atr: Buffer | null = null;
  private wanted = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly onApdu: ApduHandler;
  private readonly stayInserted: boolean;
  private readonly reconnectMs: number;
  private readonly connectTimeoutMs: number;
  private readonly minGapMs: number;
  private removedAt = 0;

  constructor(opts: VirtualCardOptions = {}) {
    this.port = opts.port ?? VPCD_DEFAULT_PORT;
    this.host = opts.host ?? "127.0.0.1";
    this.onApdu = opts.onApdu ?? (() => Buffer.from([0x6d, 0x00]));
    this.stayInserted = opts.stayInserted ?? false;
    this.reconnectMs = opts.reconnectMs ?? 200;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 3000;
    this.minGapMs = opts.minGapMs ?? 900;
  }

  get inserted(): boolean {
    return this.socket !== null;
  }

  /** The last insertion's timestamp, or null. */
  get lastInsertion(): Insertion | null {
    return this.insertions.at(-1) ?? null;
  }

  /** Inserts a card with this ATR (hex, spaces allowed). Rejects when no vpcd reader listens. */
  async insert(atrHex: string): Promise<Insertion> {
    if (this.socket) await this.remove();
    const atr = Buffer.from(atrHex.replace(/[\s:]/g, ""), "hex");
    if (atr.length < 2 || atr.length > 33) throw new Error(`Invalid ATR ${atrHex}`);
    this.atr = atr;
    const gap = this.removedAt + this.minGapMs - Date.now();
    if (gap > 0) await new Promise((r) => setTimeout(r, gap));
    this.wanted = true;
    const end = Date.now() + this.connectTimeoutMs;
    for (;;) {
      try {
        await this.connect();
        break;
      } catch (e) {
        if (Date.now() > end) {
          this.wanted = false;
          throw e;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const at = performance.now();
    const ins: Insertion = { atr: atr.toString("hex").toUpperCase(), at, wallClock: Date.now(), epochMs: performance.timeOrigin + at };
    this.insertions.push(ins);
    return ins;
  }

  /** Removes the card (closes the connection to the reader). */
  async remove(): Promise<void> {
    this.wanted = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const s = this.socket;
    this.socket = null;
    if (!s) return;
    this.removedAt = Date.now();
    await new Promise<void>((resolve) => {
      if (s.destroyed) return resolve();
      s.once("close", () => resolve());
      s.destroy();
    });
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ host: this.host, port: this.port });
      s.setNoDelay(true);
      let connected = false;
      s.once("connect", () => {
        connected = true;
        this.socket = s;
        resolve();
      });
      s.once("error", (err: NodeJS.ErrnoException) => {
        if (!connected) {
          reject(
            new Error(`No vpcd reader on ${this.host}:${this.port} (${err.code ?? err.message}): is pcscd running with vsmartcard-vpcd?`),
          );
        }
      });
      s.on("close", () => {
        if (this.socket === s) this.socket = null;
        if (connected && this.wanted && this.stayInserted) this.scheduleReconnect();
      });
      let pending = Buffer.alloc(0);
      s.on("data", (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 2) {
          const len = pending.readUInt16BE(0);
          if (pending.length < 2 + len) break;
          const payload = pending.subarray(2, 2 + len);
          pending = pending.subarray(2 + len);
          void this.handle(s, Buffer.from(payload));
        }
      });
    });
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.wanted || this.socket) return;
      this.connect().catch(() => this.scheduleReconnect());
    }, this.reconnectMs);
  }

  private async handle(s: net.Socket, payload: Buffer): Promise<void> {
    if (payload.length === 1) {
      this.received.push({ kind: "control", data: payload });
      // 0 off, 1 on, 2 reset: no answer. 4: the driver asks for the ATR.
      if (payload[0] === 4 && this.atr) send(s, this.atr);
      return;
    }
    this.received.push({ kind: "apdu", data: payload });
    let answer: Buffer;
    try {
      answer = await this.onApdu(payload);
    } catch {
      answer = Buffer.from([0x6f, 0x00]); // "no precise diagnosis"
    }
    send(s, answer);
  }
}

function send(s: net.Socket, payload: Buffer): void {
  if (s.destroyed) return;
  const head = Buffer.alloc(2);
  head.writeUInt16BE(payload.length, 0);
  s.write(Buffer.concat([head, payload]));
}
