/**
 * The watcher survives pcscd going away and coming back, starts without pcscd, and notices a
 * reader that is gone. Uses a PRIVATE pcscd (own mount namespace, own vpcd ports, reached with
 * PCSCLITE_CSOCK_NAME) so stopping it never disturbs the machine's pcscd or other suites.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadCardDatabase } from "../../bridge/card/card-database.ts";
import { CardWatcher } from "../../bridge/card/card-watcher.ts";
import type { CardChanged } from "../../bridge/services.ts";
import { freeVpcdBasePort, missingPcscComponents, privatePcscd, type PrivatePcscd } from "../harness/pcscd.ts";
import { ATR, VirtualCard } from "../harness/virtual-card.ts";

const skip = missingPcscComponents("card-pcscd-restart (private pcscd + vpcd)", { privatePcscd: true });

function waitEvent(w: CardWatcher, pred: (c: CardChanged) => boolean, timeoutMs = 8000): Promise<CardChanged> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      w.off("changed", on);
      reject(new Error(`event not seen within ${timeoutMs} ms; state: ${JSON.stringify(w.getState())}`));
    }, timeoutMs);
    const on = (c: CardChanged) => {
      if (!pred(c)) return;
      clearTimeout(t);
      w.off("changed", on);
      resolve(c);
    };
    w.on("changed", on);
  });
}

describe.skipIf(skip)("card watcher across pcscd restarts (private pcscd)", () => {
  let pcscd: PrivatePcscd;
  let watcher: CardWatcher | null = null;
  let card: VirtualCard;
  const db = loadCardDatabase();

  beforeAll(async () => {
    // A random free port pair: overlapping test runs each get their own private pcscd and reader.
    const basePort = await freeVpcdBasePort();
    pcscd = privatePcscd({ basePort, friendlyName: "Restart PCD" });
    card = new VirtualCard({ port: basePort, stayInserted: true, reconnectMs: 100 });
  });
  afterEach(async () => {
    await watcher?.stop();
    watcher = null;
    await card?.remove();
    // Let pcscd see the card go (it polls every ~400 ms) before the next test's watcher starts.
    await new Promise((r) => setTimeout(r, 900));
  });
  afterAll(async () => {
    await pcscd?.dispose();
  });

  it("without pcscd: starts, says pcscd is unavailable and why; recovers when pcscd appears", async () => {
    await pcscd.stop();
    watcher = new CardWatcher({ db, env: pcscd.env, retryMs: 200 });
    await watcher.start();
    const s = watcher.getState();
    expect(s.pcscAvailable).toBe(false);
    expect(s.readers).toEqual([]);
    expect(s.unavailable?.reason).toBe("pcsc-unavailable");
    expect(s.unavailable?.message).toMatch(/Service not available/);
    expect(s.unavailable?.message).toMatch(/pcscd/);
    const up = waitEvent(watcher, (c) => c.event === "pcsc-up");
    await pcscd.start();
    await up;
    const inserted = waitEvent(watcher, (c) => c.event === "inserted");
    await card.insert(ATR.CPS3_CONTACT);
    const e = await inserted;
    expect(e.reader).toBe(pcscd.readerName(0));
    expect(e.state).toMatchObject({ pcscAvailable: true, boundReader: pcscd.readerName(0), unavailable: null });
  });

  it("pcscd killed → pcsc-down; restarted → pcsc-up and the card (still in) is seen again", async () => {
    await pcscd.start();
    watcher = new CardWatcher({ db, env: pcscd.env, retryMs: 200, backoff: { initialMs: 100, maxMs: 1000 } });
    await watcher.start();
    const inserted = waitEvent(watcher, (c) => c.event === "inserted");
    await card.insert(ATR.CPS4);
    await inserted;
    const firstChild = watcher.childPid;
    const insertion = watcher.boundCard()!.insertion;

    const seen: string[] = [];
    const record = (c: CardChanged) => seen.push(c.event);
    watcher.on("changed", record);
    const down = waitEvent(watcher, (c) => c.event === "pcsc-down");
    await pcscd.stop(true); // SIGKILL: as a crash
    const d = await down;
    watcher.off("changed", record);
    // pcscd going away is one pcsc-down, not a storm of "reader unplugged" events before it.
    expect(seen, `events after killing pcscd: ${seen.join(", ")}`).toEqual(["pcsc-down"]);
    expect(d.state).toMatchObject({ pcscAvailable: false, readers: [], boundReader: null });
    expect(d.state.unavailable?.reason).toBe("pcsc-unavailable");

    const up = waitEvent(watcher, (c) => c.event === "pcsc-up");
    const back = waitEvent(watcher, (c) => c.event === "inserted" && c.reader === pcscd.readerName(0));
    await pcscd.start();
    await up;
    const b = await back;
    expect(b.state.readers.find((r) => r.name === pcscd.readerName(0))).toMatchObject({
      cardPresent: true,
      atr: ATR.CPS4,
      model: { id: "cps4" },
    });
    expect(b.state.unavailable).toBeNull();
    // A fresh child process took over, and the card counts as a new insertion (identity re-read).
    expect(watcher.childPid).not.toBe(firstChild);
    expect(watcher.restarts).toBeGreaterThanOrEqual(2);
    expect(watcher.boundCard()!.insertion).toBeGreaterThan(insertion);
  });

  it("the watcher's child process crashing → pcsc-down, restarted with backoff, state recovers", async () => {
    await pcscd.start();
    watcher = new CardWatcher({ db, env: pcscd.env, retryMs: 200, backoff: { initialMs: 100, maxMs: 1000 } });
    await watcher.start();
    const inserted = waitEvent(watcher, (c) => c.event === "inserted");
    await card.insert(ATR.CPS3_CONTACT);
    await inserted;
    const pid = watcher.childPid!;
    const down = waitEvent(watcher, (c) => c.event === "pcsc-down");
    const back = waitEvent(watcher, (c) => c.event === "inserted");
    process.kill(pid, "SIGKILL"); // as a native crash in the PC/SC library would
    const d = await down;
    expect(d.state.unavailable?.message).toMatch(/card watcher ended with SIGKILL/);
    const b = await back;
    expect(b.state).toMatchObject({ pcscAvailable: true, boundReader: pcscd.readerName(0), unavailable: null });
    expect(watcher.childPid).not.toBe(pid);
  });

  it("the reader bound with --reader is gone after a restart → no-reader, naming it", async () => {
    await pcscd.start();
    const bound = pcscd.readerName(0);
    watcher = new CardWatcher({ db, reader: bound, env: pcscd.env, retryMs: 200, backoff: { initialMs: 100, maxMs: 1000 } });
    await watcher.start();
    expect(watcher.getState().readers.map((r) => r.name)).toContain(bound);
    const gone = waitEvent(watcher, (c) => c.event === "pcsc-down");
    await pcscd.stop();
    await gone;
    pcscd.rename("Other PCD");
    const up = waitEvent(watcher, (c) => c.event === "reader-added" && c.reader === "Other PCD 00 00");
    await pcscd.start();
    const e = await up;
    expect(e.state.readers.map((r) => r.name)).not.toContain(bound);
    expect(e.state.unavailable?.reason).toBe("no-reader");
    expect(e.state.unavailable?.message).toContain(`"${bound}" chosen with --reader is not connected`);
    pcscd.rename("Restart PCD");
  });
});
