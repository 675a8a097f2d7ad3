import { describe, expect, it } from "vitest";
import { tokenizeField } from "../search/normalize.ts";
import { extractionLines } from "../../../scripts/generate-directory.ts";
import { fieldTokens } from "./field-tokens.ts";

const EDGE = [
  "", " ", "N'Diaye", "Lefèvre-Durand", "de la Tour", "DE LA TOUR-D'AUVERGNE", "l'Hôpital", "St-Étienne", "Œuvre Æsir straße",
  "--a--b--", "' '", "a ’ b", "x'", "'x", "Jean  Paul", "12 bis", "CHU de Lyon — Service", "𝔘nicode 😀 façade", "ÀÉÎÕÜ", "a-b-c d-e",
  "le la les", "d'Arc", "Ç'est-à-dire", "Ǆemal", "ﬁne", "İstanbul", "x\u0301y",
];

describe("fieldTokens (the import's copy of tokenizeField)", () => {
  it("gives exactly tokenizeField's tokens in all three modes, on edge cases and on generated values", () => {
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
    }
  });
});
