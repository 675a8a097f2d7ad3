/**
 * The PC/SC watcher's child process. pcsclite does not recover once pcscd restarts or a reader
 * misbehaves, and a native crash must not take the bridge down, so it runs here and the parent
 * (card-watcher.ts) restarts it with backoff. It only reports (watcher-messages.ts): it never
 * connects to a card (no exclusive mode, no APDU): presence and ATR come from status events.
 *
 * While pcscd is absent, creating the context throws synchronously: retry in-process (cheap, and
 * checked to work once pcscd appears). Once pcscd has been seen, any library error ends this
 * process so the parent starts a fresh one.
 */
import { createRequire } from "node:module";
import type { WatcherMessage } from "./watcher-messages.ts";

const RETRY_MS = Number(process.env.MSS_PCSC_RETRY_MS ?? "1000");
const SETTLE_MS = 1500;
// SCARD_STATE_* bits (pcsclite.h), the same on every platform pcsclite supports.
const STATE_UNAVAILABLE = 0x0008;
const STATE_EMPTY = 0x0010;
const STATE_PRESENT = 0x0020;
const STATE_MUTE = 0x0200;

interface Reader {
  name: string;
  on(ev: "status", fn: (s: { state: number; atr?: Buffer }) => void): void;
  on(ev: "end", fn: () => void): void;
  on(ev: "error", fn: (e: Error) => void): void;
  close(): void;
}
interface Pcsc {
  on(ev: "reader", fn: (r: Reader) => void): void;
  on(ev: "error", fn: (e: Error) => void): void;
  close(): void;
}

function send(m: WatcherMessage): void {
  if (process.send && process.connected) process.send(m);
}

// Parent gone: nothing to report to.
process.on("disconnect", () => process.exit(0));

let factory: () => Pcsc;
try {
  factory = createRequire(import.meta.url)("pcsclite") as () => Pcsc;
} catch (e) {
  send({ type: "fatal", message: `the pcsclite library cannot be loaded (${(e as Error).message})` });
  setTimeout(() => process.exit(78), 50);
  throw e;
}

let lastDown: string | null = null;

function start(): void {
  let pcsc: Pcsc;
  try {
    pcsc = factory();
  } catch (e) {
    const message = (e as Error).message;
    if (message !== lastDown) send({ type: "pcsc-down", message });
    lastDown = message;
    setTimeout(start, RETRY_MS);
    return;
  }
  lastDown = null;
  send({ type: "pcsc-up" });

  // Readers whose first status has not arrived yet: "settled" once they all have.
  const pendingFirst = new Set<string>();
  let settled = false;
  const settle = () => {
    if (!settled && pendingFirst.size === 0) {
      settled = true;
      send({ type: "settled" });
    }
  };
  // The readers list arrives asynchronously; with no reader there is no event at all.
  setTimeout(() => {
    pendingFirst.clear();
    settle();
  }, SETTLE_MS);
  setTimeout(settle, 300);

  pcsc.on("error", (err) => {
    send({ type: "pcsc-down", message: err.message });
    try {
      pcsc.close();
    } catch {
      /* already closed */
    }
    // A fresh process gets a fresh library state (the parent restarts us).
    setTimeout(() => process.exit(3), 20);
  });

  pcsc.on("reader", (reader) => {
    const name = reader.name;
    let last = 0;
    let lastAtr: string | null = null;
    let reported = false;
    pendingFirst.add(name);
    send({ type: "reader-added", reader: name });
    reader.on("error", () => {
      // The reader's own monitor failed (e.g. unplugged mid-call); "end" follows when it is gone.
    });
    reader.on("end", () => {
      pendingFirst.delete(name);
      send({ type: "reader-removed", reader: name });
      settle();
    });
    reader.on("status", (status) => {
      const state = status.state;
      if (state & STATE_UNAVAILABLE) return;
      // Debounce: only a change of presence (or of the card) is an event.
      const changes = last ^ state;
      last = state;
      const present = (state & STATE_PRESENT) !== 0;
      const atr = present && !(state & STATE_MUTE) && status.atr?.length ? status.atr.toString("hex").toUpperCase() : present ? "" : null;
      const presenceChanged = (changes & (STATE_PRESENT | STATE_EMPTY)) !== 0;
      if (reported && !presenceChanged && atr === lastAtr) return;
      if (!present && !(state & STATE_EMPTY) && !reported) return; // not known yet
      reported = true;
      lastAtr = atr;
      send({ type: "card", reader: name, present, atr: present ? atr : null });
      pendingFirst.delete(name);
      settle();
    });
  });
}

start();
