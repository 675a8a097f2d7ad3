import { describe, expect, it } from "vitest";
import { loadCardDatabase } from "./card-database.ts";
import { CardStateModel } from "./card-state.ts";

const db = loadCardDatabase();
const CPS3 = "3BAC00402A001225006480000310009000";
const CPS4 = "3B9B188001001225006480040100009044";
const UNKNOWN = "3BF81300008131FE454A434F5076323431B7";

function up(m: CardStateModel, ...readers: string[]) {
  m.apply({ type: "pcsc-up" });
  for (const r of readers) m.apply({ type: "reader-added", reader: r });
}

describe("CardStateModel", () => {
  it("before pcscd answers: unavailable with a reason and what to do", () => {
    const m = new CardStateModel(db);
    expect(m.apply({ type: "pcsc-down", message: "SCardEstablishContext error: Service not available.(0x8010001d)" })).toEqual([
      { event: "pcsc-down", reader: null },
    ]);
    const s = m.snapshot();
    expect(s.pcscAvailable).toBe(false);
    expect(s.unavailable?.reason).toBe("pcsc-unavailable");
    expect(s.unavailable?.message).toMatch(/Service not available.*pcscd/);
    // A changed reason while still down is not a new event.
    expect(m.apply({ type: "pcsc-down", message: "other" })).toEqual([]);
    expect(m.snapshot().unavailable?.message).toMatch(/other/);
  });

  it("no reader, then a reader without card, then a CPS3: inserted with its model, bound to its reader", () => {
    const m = new CardStateModel(db);
    up(m);
    expect(m.snapshot().unavailable?.reason).toBe("no-reader");
    expect(m.apply({ type: "reader-added", reader: "R1" })).toEqual([{ event: "reader-added", reader: "R1" }]);
    expect(m.snapshot().unavailable?.reason).toBe("no-card");
    expect(m.apply({ type: "card", reader: "R1", present: true, atr: "3b ac 00 40 2a 00 12 25 00 64 80 00 03 10 00 90 00" })).toEqual([
      { event: "inserted", reader: "R1" },
    ]);
    const s = m.snapshot();
    expect(s.unavailable).toBeNull();
    expect(s.boundReader).toBe("R1");
    expect(s.readers).toEqual([
      {
        name: "R1",
        cardPresent: true,
        atr: CPS3,
        model: expect.objectContaining({ id: "cps3-contact", family: "CPS3" }),
        unknownCard: false,
      },
    ]);
  });

  it("debounces: the same status twice is one event", () => {
    const m = new CardStateModel(db);
    up(m, "R1");
    expect(m.apply({ type: "card", reader: "R1", present: true, atr: CPS3 })).toHaveLength(1);
    expect(m.apply({ type: "card", reader: "R1", present: true, atr: CPS3 })).toEqual([]);
    expect(m.apply({ type: "card", reader: "R1", present: false, atr: null })).toEqual([{ event: "removed", reader: "R1" }]);
    expect(m.apply({ type: "card", reader: "R1", present: false, atr: null })).toEqual([]);
  });

  it("every insertion gets a new insertion number (identity caches key on it)", () => {
    const m = new CardStateModel(db);
    up(m, "R1");
    m.apply({ type: "card", reader: "R1", present: true, atr: CPS3 });
    const first = m.boundCard()!.insertion;
    m.apply({ type: "card", reader: "R1", present: false, atr: null });
    expect(m.boundCard()).toMatchObject({ reader: "R1", present: false });
    m.apply({ type: "card", reader: "R1", present: true, atr: CPS3 });
    expect(m.boundCard()!.insertion).toBeGreaterThan(first);
  });

  it("an unknown card is reported as such, not bound", () => {
    const m = new CardStateModel(db);
    up(m, "R1");
    m.apply({ type: "card", reader: "R1", present: true, atr: UNKNOWN });
    const s = m.snapshot();
    expect(s.readers[0]).toMatchObject({ cardPresent: true, unknownCard: true, model: null, atr: UNKNOWN });
    expect(s.unavailable?.reason).toBe("unknown-card");
    expect(s.unavailable?.message).toContain(UNKNOWN);
    expect(s.boundReader).toBeNull();
  });

  it("a mute card (present, no ATR) is an unknown card", () => {
    const m = new CardStateModel(db);
    up(m, "R1");
    m.apply({ type: "card", reader: "R1", present: true, atr: "" });
    expect(m.snapshot().readers[0]).toMatchObject({ cardPresent: true, unknownCard: true, atr: "" });
  });

  it("auto binding stays on the reader that held the known card while it exists, moves to another known card", () => {
    const m = new CardStateModel(db);
    up(m, "R1", "R2");
    m.apply({ type: "card", reader: "R2", present: true, atr: CPS4 });
    expect(m.snapshot().boundReader).toBe("R2");
    m.apply({ type: "card", reader: "R1", present: true, atr: CPS3 });
    expect(m.snapshot().boundReader).toBe("R2");
    m.apply({ type: "card", reader: "R2", present: false, atr: null });
    expect(m.snapshot().boundReader).toBe("R1");
    m.apply({ type: "card", reader: "R1", present: false, atr: null });
    expect(m.snapshot().boundReader).toBe("R1");
    expect(m.snapshot().unavailable?.reason).toBe("no-card");
    m.apply({ type: "reader-removed", reader: "R1" });
    expect(m.snapshot().boundReader).toBeNull();
  });

  it("--reader binds explicitly: a card elsewhere does not count", () => {
    const m = new CardStateModel(db, "R1");
    up(m, "R2");
    expect(m.snapshot().unavailable).toMatchObject({ reason: "no-reader" });
    expect(m.snapshot().unavailable?.message).toMatch(/"R1" chosen with --reader is not connected/);
    m.apply({ type: "card", reader: "R2", present: true, atr: CPS3 });
    expect(m.snapshot().boundReader).toBe("R1");
    expect(m.boundCard()).toMatchObject({ reader: "R1", present: false });
    m.apply({ type: "reader-added", reader: "R1" });
    expect(m.snapshot().unavailable?.reason).toBe("no-card");
    m.apply({ type: "card", reader: "R1", present: true, atr: CPS3 });
    expect(m.snapshot().unavailable).toBeNull();
  });

  it("pcsc-down forgets readers and cards; pcsc-up then events rebuild the picture", () => {
    const m = new CardStateModel(db);
    up(m, "R1");
    m.apply({ type: "card", reader: "R1", present: true, atr: CPS3 });
    expect(m.apply({ type: "pcsc-down", message: "RPC transport error" })).toEqual([{ event: "pcsc-down", reader: null }]);
    expect(m.snapshot()).toMatchObject({ pcscAvailable: false, readers: [], boundReader: null });
    expect(m.boundCard()).toBeNull();
    expect(m.apply({ type: "pcsc-up" })).toEqual([{ event: "pcsc-up", reader: null }]);
    m.apply({ type: "reader-added", reader: "R1" });
    m.apply({ type: "card", reader: "R1", present: true, atr: CPS3 });
    expect(m.snapshot().unavailable).toBeNull();
  });

  it("a card status for a reader not yet announced adds the reader first", () => {
    const m = new CardStateModel(db);
    up(m);
    expect(m.apply({ type: "card", reader: "R9", present: true, atr: CPS3 })).toEqual([
      { event: "reader-added", reader: "R9" },
      { event: "inserted", reader: "R9" },
    ]);
  });
});
