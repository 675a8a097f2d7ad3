/**
 * The PC/SC watcher against the machine's pcscd (started once per run by the global setup) with
 * the vpcd virtual reader and the TypeScript virtual card. Uses the second vpcd slot
 * ("Virtual PCD 00 01", port 35964) so suites driving the first slot are not disturbed, and
 * asserts only on that reader's events.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCardDatabase } from "../../bridge/card/card-database.ts";
import { CardWatcher } from "../../bridge/card/card-watcher.ts";
import type { CardChanged } from "../../bridge/services.ts";
import { missingPcscComponents } from "../harness/pcscd.ts";
import { ATR, VirtualCard, vpcdReaderName } from "../harness/virtual-card.ts";

const skip = missingPcscComponents("card-watcher (pcscd + vpcd)");
const PORT = 35964;
const READER = vpcdReaderName(PORT);

describe.skipIf(skip)("card watcher with pcscd and the virtual card", () => {
  let watcher: CardWatcher;
  const card = new VirtualCard({ port: PORT });
  const events: (CardChanged & { at: number })[] = [];

  /** Resolves with the next event of `kind` for our reader, after `since`. */
  function next(kind: CardChanged["event"], timeoutMs = 5000): Promise<CardChanged & { at: number }> {
    const since = events.length;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no "${kind}" event for ${READER} within ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        const e = events.slice(since).find((x) => x.event === kind && x.reader === READER);
        if (e) {
          clearTimeout(t);
          watcher.off("changed", check);
          resolve(e);
        }
      };
      watcher.on("changed", check);
    });
  }

  beforeAll(async () => {
    watcher = new CardWatcher({ db: loadCardDatabase() });
    watcher.on("changed", (c: CardChanged) => events.push({ ...c, at: performance.now() }));
    await card.remove();
    await watcher.start();
  });

  afterAll(async () => {
    await card.remove();
    await watcher?.stop();
  });

  it("sees pcscd and the virtual reader, without a card", () => {
    const s = watcher.getState();
    expect(s.pcscAvailable).toBe(true);
    expect(s.readers.find((r) => r.name === READER)).toEqual({
      name: READER,
      cardPresent: false,
      atr: null,
      model: null,
      unknownCard: false,
    });
  });

  it("CPS3 inserted → inserted event with its ATR and model; the token binds to that reader", async () => {
    const ev = next("inserted");
    await card.insert(ATR.CPS3_CONTACT);
    const e = await ev;
    const r = e.state.readers.find((x) => x.name === READER)!;
    expect(r).toMatchObject({ cardPresent: true, atr: ATR.CPS3_CONTACT, unknownCard: false });
    expect(r.model).toEqual({ id: "cps3-contact", name: "CPS3 (contact, IAS-ECC)", family: "CPS3", interface: "contact", rsaPss: false });
    expect(watcher.getState().boundReader).toBe(READER);
    expect(watcher.getState().unavailable).toBeNull();
  });

  it("removed → removed event, then re-inserted → inserted again (a new insertion)", async () => {
    const first = watcher.boundCard()!.insertion;
    const removed = next("removed");
    await card.remove();
    const e = await removed;
    expect(e.state.readers.find((x) => x.name === READER)).toMatchObject({ cardPresent: false, atr: null, model: null });
    expect(watcher.getState().unavailable?.reason).toBe("no-card");
    const inserted = next("inserted");
    await card.insert(ATR.CPS3_CONTACT);
    await inserted;
    expect(watcher.boundCard()).toMatchObject({ reader: READER, present: true });
    expect(watcher.boundCard()!.insertion).toBeGreaterThan(first);
  });

  it("recognises CPS4, CPS4 T=0 and CPS3 contactless ATRs", async () => {
    for (const [atr, id] of [
      [ATR.CPS4, "cps4"],
      [ATR.CPS4_T0, "cps4-t0"],
      [ATR.CPS3_CONTACTLESS, "cps3-contactless"],
    ] as const) {
      const removed = card.inserted ? next("removed") : null;
      await card.remove();
      await removed;
      const inserted = next("inserted");
      await card.insert(atr);
      const e = await inserted;
      expect(e.state.readers.find((x) => x.name === READER)).toMatchObject({ atr, model: { id } });
    }
  });

  it("an unknown ATR is reported as an unknown card, not a crash", async () => {
    const removed = next("removed");
    await card.remove();
    await removed;
    const inserted = next("inserted");
    await card.insert(ATR.UNKNOWN);
    const e = await inserted;
    expect(e.state.readers.find((x) => x.name === READER)).toMatchObject({
      cardPresent: true,
      atr: ATR.UNKNOWN,
      model: null,
      unknownCard: true,
    });
    // Our reader holds no usable card: if the token is still bound to it, it says why.
    const bound = watcher.boundCard();
    if (bound?.reader === READER) {
      expect(bound.entry).toBeNull();
      expect(watcher.getState().unavailable).toMatchObject({ reason: "unknown-card" });
      expect(watcher.getState().unavailable?.message).toContain(ATR.UNKNOWN);
    }
    expect(watcher.childPid).not.toBeNull();
  });

  it("never talks to the card: the reader only powered it and asked for its ATR (no APDU)", () => {
    expect(card.received.length).toBeGreaterThan(0);
    expect(card.received.filter((r) => r.kind === "apdu")).toEqual([]);
  });

  it("insert → event latency over 10 insertions (pcscd polls vpcd every ~400 ms: that is the floor)", async () => {
    const lat: number[] = [];
    for (let i = 0; i < 10; i++) {
      const removed = card.inserted ? next("removed") : null;
      await card.remove();
      await removed;
      const inserted = next("inserted");
      const ins = await card.insert(ATR.CPS3_CONTACT);
      const e = await inserted;
      lat.push(e.at - ins.at);
    }
    lat.sort((a, b) => a - b);
    const p50 = lat[Math.floor(lat.length / 2)]!;
    console.log(
      `card-watcher: insert → "inserted" event over ${lat.length} insertions: min ${lat[0]!.toFixed(0)} ms, p50 ${p50.toFixed(0)} ms, max ${lat.at(-1)!.toFixed(0)} ms`,
    );
    expect(lat.every((l) => l > 0 && l < 2000)).toBe(true);
  });
});
