import { describe, expect, it } from "vitest";
import { tokenizeField, wholeToken } from "./normalize.ts";
import { extractionLines } from "../../demo/generator/extraction.ts";
import { fieldTokens } from "./field-tokens.ts";

const EDGE = [
  "",
  " ",
  "N'Diaye",
  "Lefèvre-Durand",
  "de la Tour",
  "DE LA TOUR-D'AUVERGNE",
  "l'Hôpital",
  "St-Étienne",
  "Œuvre Æsir straße",
  "--a--b--",
  "' '",
  "a ’ b",
  "x'",
  "'x",
  "Jean  Paul",
  "12 bis",
  "CHU de Lyon — Service",
  "𝔘nicode 😀 façade",
  "ÀÉÎÕÜ",
  "a-b-c d-e",
  "le la les",
  "d'Arc",
  "Ç'est-à-dire",
  "Ǆemal",
  "ﬁne",
  "İstanbul",
  "x\u0301y",
  "L'ISLE-D'ABEAU",
  "42000 ST ETIENNE",
  "ST-ÉTIENNE",
  "SAINT ETIENNE",
  "STE FOY LES LYON",
  "STE-FOY-LÈS-LYON",
  "st st st",
  "st",
  "rue st-jean de luz",
  "a-b-c-d e-f-g",
  "St, Étienne",
  "constructor",
  "ST  -  ETIENNE",
  "sainte-st",
];

describe("fieldTokens (the import's copy of tokenizeField)", () => {
  it("gives exactly tokenizeField's tokens in every mode used, on edge cases and on generated values", () => {
    const values = new Set(EDGE);
    let n = 0;
    for (const line of extractionLines({ lines: 3000, seed: 7 })) {
      if (n++ === 0) continue;
      for (const v of line.split("|")) values.add(v);
    }
    expect(values.size).toBeGreaterThan(3000);
    for (const v of values) {
      expect(fieldTokens(v)).toEqual(tokenizeField(v));
      expect(fieldTokens(v, true)).toEqual(tokenizeField(v, true));
      expect(fieldTokens(v, false, true)).toEqual(tokenizeField(v, false, true));
      expect(fieldTokens(v, false, true, true)).toEqual(tokenizeField(v, false, true, true));
      expect(fieldTokens(v, false, false, true)).toEqual(tokenizeField(v, false, false, true));
      // The whole value (a surname's exact form) is always one of the surname's tokens.
      if (wholeToken(v)) expect(fieldTokens(v, true)).toContain(wholeToken(v));
    }
  }, 30_000); // a comparison over tens of thousands of values, not a timing test: over 5 s on a loaded 2-core machine
});
