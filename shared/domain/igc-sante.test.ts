import { describe, expect, it } from "vitest";
import { issuedByKnownCa } from "./igc-sante.ts";

const KNOWN = ["AC IGC-SANTE FORT PERSONNES", "AC IGC-SANTE ELEMENTAIRE PERSONNES"];

describe("issuedByKnownCa", () => {
  it("recognises a known CA however its name is written", () => {
    expect(issuedByKnownCa("AC IGC-SANTE FORT PERSONNES", KNOWN)).toBe(true);
    expect(issuedByKnownCa("ac igc-santé élémentaire personnes", KNOWN)).toBe(true);
  });
  it("refuses other issuers, including names that merely mention IGC-Santé", () => {
    expect(issuedByKnownCa("Some Commercial CA", KNOWN)).toBe(false);
    expect(issuedByKnownCa("FOREIGN TEST CA (NOT IGC-SANTE)", KNOWN)).toBe(false);
  });
  it("says nothing when no CA is known", () => {
    expect(issuedByKnownCa("AC IGC-SANTE FORT PERSONNES", [])).toBeNull();
  });
});
