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
import type { WatcherMessage } from "./watcher-messages.ts";

const RETRY_MS = Number(process.env.MSS_PCSC_RETRY_MS ?? "1000");
const SETTLE_MS = 1500;
/**
 * When pcscd dies, each reader's monitor thread and the library's own thread notice it
 * independently, in either order: a reader can report "end" (as if unplugged) a moment before the
 * library reports the lost service. A reader's end is held this long and dropped if pcscd turns
 * out to be gone, so a crash is one pcsc-down, not a burst of "reader unplugged" first.
 */
const READER_END_GRACE_MS = 250;
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

async function loadPcsclite(): Promise<(() => Pcsc) | null> {
  try {
    // A dynamic import, so that a library that cannot load is reported (and, in the single
    // executable, the bundled module is evaluated only here).
    const mod = (await import("pcsclite")) as unknown as { default: () => Pcsc };
    return mod.default;
  } catch (e) {
    send({ type: "fatal", message: `the pcsclite library cannot be loaded (${(e as Error).message})` });
    setTimeout(() => process.exit(78), 50); // 78: the parent does not restart us
    return null;
  }
}

/** Errors meaning pcscd itself is gone (not a reader unplugged): SCARD_F_COMM_ERROR, SCARD_E_NO_SERVICE. */
const PCSCD_GONE = /0x80100013|0x8010001d/i;

let lastDown: string | null = null;

function start(factory: () => Pcsc): void {
  let pcsc: Pcsc;
  try {
    pcsc = factory();
  } catch (e) {
    const message = (e as Error).message;
    if (message !== lastDown) send({ type: "pcsc-down", message });
    lastDown = message;
    setTimeout(() => start(factory), RETRY_MS);
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

  let gone = false;
  const pcscdGone = (message: string) => {
    if (gone) return;
    gone = true;
    send({ type: "pcsc-down", message });
    try {
      pcsc.close();
    } catch {
      /* already closed */
    }
    // A fresh process gets a fresh library state (the parent restarts us).
    setTimeout(() => process.exit(3), 20);
  };
  pcsc.on("error", (err) => pcscdGone(err.message));

  // The reader object currently known under each name (a reader replugged within the grace
  // window is a new object: the old one's delayed end must not remove it).
  const current = new Map<string, Reader>();
  pcsc.on("reader", (reader) => {
    const name = reader.name;
    current.set(name, reader);
    let last = 0;
    let lastAtr: string | null = null;
    let reported = false;
    pendingFirst.add(name);
    send({ type: "reader-added", reader: name });
    let readerError = "";
    reader.on("error", (err) => {
      // The reader's own monitor failed; "end" follows. When pcscd itself is gone, say that
      // instead of reporting every reader as unplugged.
      readerError = err.message;
      if (PCSCD_GONE.test(err.message)) pcscdGone(err.message);
    });
    reader.on("end", () => {
      if (gone || PCSCD_GONE.test(readerError)) return;
      setTimeout(() => {
        if (gone || current.get(name) !== reader) return;
        current.delete(name);
        pendingFirst.delete(name);
        send({ type: "reader-removed", reader: name });
        settle();
      }, READER_END_GRACE_MS);
    });
    reader.on("status", (status) => {
      if (gone) return;
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

void loadPcsclite().then((factory) => {
  if (factory) start(factory);
});
