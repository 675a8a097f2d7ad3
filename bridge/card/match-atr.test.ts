import { describe, expect, it } from "vitest";
import { loadCardDatabase } from "./card-database.ts";
import { atrMatches, matchAtr, normalizeAtr, toCardModel } from "./match-atr.ts";

const db = loadCardDatabase();

describe("matchAtr", () => {
  it("matches each CPS ATR of docs/domain/mssante.md to its model", () => {
    expect(matchAtr("3B AC 00 40 2A 00 12 25 00 64 80 00 03 10 00 90 00", db)?.id).toBe("cps3-contact");
    expect(matchAtr("3B 8F 80 01 00 31 B8 64 04 B0 EC C1 73 94 01 80 82 90 00 0E", db)?.id).toBe("cps3-contactless");
    expect(matchAtr("3B 9B 18 80 01 00 12 25 00 64 80 04 01 00 00 90 44", db)?.id).toBe("cps4");
    expect(matchAtr("3B DC 18 FF 00 00 12 25 00 64 80 00 04 01 00 90 00", db)?.id).toBe("cps4-t0");
  });

  it("is insensitive to case, spaces and colons", () => {
    expect(matchAtr("3bac00402a001225006480000310009000", db)?.id).toBe("cps3-contact");
    expect(matchAtr("3b:ac:00:40:2a:00:12:25:00:64:80:00:03:10:00:90:00", db)?.id).toBe("cps3-contact");
  });

  it("applies the CPS3 mask: varying interface and version bytes still match, masked-in bytes do not", () => {
    // Bytes 1-4 and 11-13 are masked out.
    expect(matchAtr("3B FF 11 22 33 00 12 25 00 64 80 AA BB CC 00 90 00", db)?.id).toBe("cps3-contact");
    // Byte 5 is compared.
    expect(matchAtr("3B AC 00 40 2A 01 12 25 00 64 80 00 03 10 00 90 00", db)).toBeNull();
    // Last byte is compared.
    expect(matchAtr("3B AC 00 40 2A 00 12 25 00 64 80 00 03 10 00 90 01", db)).toBeNull();
  });

  it("an unmasked ATR must match exactly, and length matters", () => {
    expect(matchAtr("3B 9B 18 80 01 00 12 25 00 64 80 04 01 00 00 90 45", db)).toBeNull();
    expect(matchAtr("3B AC 00 40 2A 00 12 25 00 64 80 00 03 10 00 90", db)).toBeNull();
    expect(matchAtr("3B AC 00 40 2A 00 12 25 00 64 80 00 03 10 00 90 00 00", db)).toBeNull();
  });

  it("unknown or malformed ATRs are unknown, never a crash", () => {
    for (const atr of ["3BF81300008131FE454A434F5076323431B7", "", "zz", "3B0", "3B AC G0", null, undefined]) {
      expect(matchAtr(atr as string, db)).toBeNull();
    }
  });

  it("normalises ATRs and compares bit masks", () => {
    expect(normalizeAtr(" 3b ac ")).toBe("3BAC");
    expect(normalizeAtr("3BA")).toBeNull();
    expect(atrMatches("3B10", { atr: "3B1F", mask: "FFF0" })).toBe(true);
    expect(atrMatches("3B20", { atr: "3B1F", mask: "FFF0" })).toBe(false);
  });

  it("exposes only the protocol's CardModel fields", () => {
    const e = matchAtr("3B9B188001001225006480040100009044", db)!;
    expect(toCardModel(e)).toEqual({ id: "cps4", name: "CPS4 (NXP ChipDoc)", family: "CPS4", interface: "contact", rsaPss: true });
  });
});

describe("matchAtr precedence", () => {
  it("the CPS3 mask also covers the CPS4 T=0 ATR: the exact CPS4 pattern wins", () => {
    const cps3 = db.cards.find((c) => c.id === "cps3-contact")!;
    expect(atrMatches("3BDC18FF00001225006480000401009000", cps3.atrs[0]!)).toBe(true);
    expect(matchAtr("3BDC18FF00001225006480000401009000", db)?.id).toBe("cps4-t0");
  });

  it("between equally specific patterns, the first entry (override file) wins", () => {
    const twin = { ...db.cards[0]!, id: "site-cps3" };
    expect(matchAtr("3BAC00402A001225006480000310009000", { cards: [twin, ...db.cards], modules: db.modules })?.id).toBe("site-cps3");
  });
});
