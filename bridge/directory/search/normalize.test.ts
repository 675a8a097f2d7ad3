import { describe, expect, it } from "vitest";
import { foldText, normalizeAddress, normalizeIdNat, parseQuery, tokenizeField } from "./normalize.ts";
import { damerauLevenshtein, oneEditVariants } from "./typo.ts";
import { firstMatchedPlace, rankKey, TopK } from "./rank.ts";
import { decodeEntry, encodeEntry, toDirectoryEntry, type StoredEntry } from "./entry.ts";

describe("normalisation", () => {
  it("folds case, accents and ligatures", () => {
    expect(foldText("LEFÈVRE")).toBe("lefevre");
    expect(foldText("Œuvre Hôpital Müller")).toBe("oeuvre hopital muller");
    expect(foldText("SAINT-ÉTIENNE")).toBe("saint-etienne");
  });

  it("indexes hyphenated and apostrophe names both split and joined", () => {
    expect(tokenizeField("Lefèvre-Durand")).toEqual(["lefevre", "durand", "lefevredurand"]);
    expect(tokenizeField("N'Diaye")).toEqual(["n", "diaye", "ndiaye"]);
    expect(tokenizeField("N’DIAYE")).toEqual(["n", "diaye", "ndiaye"]);
    expect(tokenizeField("de la Tour", true)).toEqual(["de", "la", "tour", "delatour"]);
  });

  it("drops stopwords from descriptive fields only", () => {
    expect(tokenizeField("Cardiologie et maladies vasculaires", false, true)).toEqual(["cardiologie", "maladies", "vasculaires"]);
    expect(tokenizeField("de la Tour", true)).toContain("de");
  });

  it("parses a query into prefix tokens, expanding st/ste and joining punctuated words", () => {
    expect(parseQuery("st etienne")).toEqual([
      { text: "st", prefixes: ["st", "saint"] },
      { text: "etienne", prefixes: ["etienne"] },
    ]);
    expect(parseQuery("ste-foy")[0]).toEqual({ text: "stefoy", prefixes: ["stefoy", "saintefoy"] });
    expect(parseQuery("n'diaye")).toEqual([{ text: "ndiaye", prefixes: ["ndiaye"] }]);
    expect(parseQuery("  DUPONT,  cardio  Lyon ").map((t) => t.text)).toEqual(["dupont", "cardio", "lyon"]);
    expect(parseQuery("de la tour").map((t) => t.text)).toEqual(["tour"]);
    expect(parseQuery("de").map((t) => t.text)).toEqual(["de"]);
    expect(parseQuery("")).toEqual([]);
    expect(parseQuery("a b c d e f g h i j k").length).toBe(8);
  });

  it("normalises addresses (case, IDNA) and identifiers (RPPS → idNat)", () => {
    expect(normalizeAddress(" Jean.Dupont@Hôpital.Example.FR ")).toBe("jean.dupont@xn--hpital-ixa.example.fr");
    expect(normalizeAddress("a@xn--hpital-ixa.example.fr")).toBe("a@xn--hpital-ixa.example.fr");
    expect(normalizeIdNat("10001234567")).toBe("810001234567");
    expect(normalizeIdNat("810001234567")).toBe("810001234567");
  });
});

describe("typo tolerance", () => {
  it("measures Damerau-Levenshtein distance", () => {
    expect(damerauLevenshtein("lefevre", "lefevre")).toBe(0);
    expect(damerauLevenshtein("lefevre", "lefvere")).toBe(1); // transposition
    expect(damerauLevenshtein("dupont", "dupond")).toBe(1);
    expect(damerauLevenshtein("dupont", "dupnt")).toBe(1);
    expect(damerauLevenshtein("martin", "matrni")).toBe(2);
  });

  it("generates every variant at one edit, and only those", () => {
    const v = oneEditVariants("lefvre");
    expect(v).toContain("lefevre"); // insertion
    expect(v).toContain("lefver"); // transposition
    expect(v).not.toContain("lefvre");
    for (const x of v.slice(0, 200)) expect(damerauLevenshtein("lefvre", x)).toBe(1);
  });
});

describe("ranking helpers", () => {
  it("keeps the k smallest keys in order", () => {
    const t = new TopK(3);
    for (const v of [9, 4, 7, 1, 8, 4, 2]) t.offer(v);
    expect(t.items).toEqual([1, 2, 4]);
  });

  it("orders keys by best class, then sum of classes, then id", () => {
    expect(rankKey(0, 3, 999)).toBeLessThan(rankKey(1, 1, 0));
    expect(rankKey(1, 2, 5)).toBeLessThan(rankKey(1, 3, 0));
    expect(rankKey(2, 2, 1)).toBeLessThan(rankKey(2, 2, 2));
  });

  it("picks the first place whose fields match", () => {
    const places = [
      { organisation: "Cabinet A", city: "LYON", postalCode: "69003", service: null, address: null, department: "69" },
      { organisation: "CHU", city: "SAINT-ÉTIENNE", postalCode: "42000", service: null, address: null, department: "42" },
    ];
    expect(firstMatchedPlace(places, [["saint"], ["etienne"]])).toBe(1);
    expect(firstMatchedPlace(places, [["lyo"]])).toBe(0);
    expect(firstMatchedPlace(places, [["nowhere"]])).toBe(0);
  });
});

describe("entries", () => {
  const e: StoredEntry = {
    email: "jean.dupont@medecin.mssante.fr",
    type: "PER",
    surname: "DUPONT",
    givenName: "Jean",
    civility: "DR",
    profession: "Médecin",
    specialty: null,
    idNat: "810001234567",
    places: [
      { organisation: "Cabinet", city: "LYON", postalCode: "69003", service: null, address: "RUE X", department: "69" },
      { organisation: null, city: "PARIS", postalCode: "75001", service: "Urgences", address: null, department: "75" },
    ],
  };
  it("round-trips the compact encoding", () => {
    expect(decodeEntry(encodeEntry(e))).toEqual(e);
  });
  it("gives exactly the protocol fields, nulls for empty ones, top level from the chosen place", () => {
    const d = toDirectoryEntry(e, 1);
    expect(Object.keys(d).sort()).toEqual(
      ["email", "displayName", "surname", "givenName", "civility", "profession", "specialty", "organisation", "service", "city", "postalCode", "type", "idNat", "places"].sort(),
    );
    expect(d).toMatchObject({ displayName: "Jean DUPONT", specialty: null, organisation: null, city: "PARIS", postalCode: "75001", service: "Urgences" });
    expect(d.places).toEqual([
      { organisation: "Cabinet", city: "LYON", postalCode: "69003" },
      { organisation: null, city: "PARIS", postalCode: "75001" },
    ]);
  });
});
