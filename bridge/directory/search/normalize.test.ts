import { describe, expect, it } from "vitest";
import { domainToASCII } from "node:url";
import { foldText, MAX_QUERY_TOKENS, normalizeIdNat, parseQuery, tokenizeField, wholeToken } from "./normalize.ts";
import { normalizeAddress } from "../../../shared/domain/address.ts";
import { damerauLevenshtein, oneEditVariants } from "./typo.ts";
import { Code, firstMatchedPlace, rankKey, SUM_SPACE, TopK, WORST_CLASS } from "./rank.ts";
import { MAX_PHRASE_STOPWORDS } from "./phrases.ts";
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

  it("also indexes the joins of a word's trailing parts (isle-d'abeau, d'abeau)", () => {
    expect(tokenizeField("L'ISLE-D'ABEAU")).toEqual(["l", "isle", "d", "abeau", "isledabeau", "dabeau", "lisledabeau"]);
    expect(tokenizeField("L'ISLE-D'ABEAU", false, true)).toEqual(["isle", "abeau", "isledabeau", "dabeau", "lisledabeau"]);
    expect(tokenizeField("Lefèvre-Moreau-Durand")).toEqual(["lefevre", "moreau", "durand", "moreaudurand", "lefevremoreaudurand"]);
  });

  it("in descriptive fields, also indexes st/ste as saint/sainte, and a lone saint joined to the next word", () => {
    expect(tokenizeField("ST ETIENNE", false, true, true)).toEqual(["st", "saint", "etienne", "saintetienne"]);
    expect(tokenizeField("ST-ÉTIENNE", false, true, true)).toEqual(["st", "etienne", "stetienne", "saint", "saintetienne"]);
    expect(tokenizeField("SAINT ETIENNE", false, true, true)).toEqual(["saint", "etienne", "saintetienne"]);
    expect(tokenizeField("STE FOY LES LYON", false, true, true)).toEqual(["ste", "sainte", "foy", "saintefoy", "lyon"]);
    expect(tokenizeField("SAINT-ÉTIENNE", false, true, true)).toEqual(["saint", "etienne", "saintetienne"]);
    expect(tokenizeField("ST ETIENNE")).toEqual(["st", "etienne"]);
  });

  it("gives the whole value as one token (a surname's exact form), one of its tokens", () => {
    expect(wholeToken("LEFÈVRE-MOREAU")).toBe("lefevremoreau");
    expect(wholeToken("de la Tour")).toBe("delatour");
    expect(wholeToken("N'Diaye")).toBe("ndiaye");
    expect(wholeToken("Martin")).toBe("martin");
    expect(wholeToken(" - ")).toBe("");
    for (const v of ["LEFÈVRE-MOREAU", "de la Tour", "N'Diaye", "Martin", "DE LA TOUR-D'AUVERGNE", "--a--b--"])
      expect(tokenizeField(v, true)).toContain(wholeToken(v));
  });

  it("drops stopwords from descriptive fields only", () => {
    expect(tokenizeField("Cardiologie et maladies vasculaires", false, true)).toEqual(["cardiologie", "maladies", "vasculaires"]);
    expect(tokenizeField("de la Tour", true)).toContain("de");
  });

  it("parses a query into prefix tokens, expanding st/ste and joining punctuated words", () => {
    expect(parseQuery("st etienne")).toEqual([
      { text: "st", prefixes: ["st", "saint"], initial: false },
      { text: "etienne", prefixes: ["etienne"], initial: false },
    ]);
    expect(parseQuery("ste-foy")[0]).toEqual({ text: "stefoy", prefixes: ["stefoy", "saintefoy"], initial: false });
    expect(parseQuery("n'diaye")).toEqual([{ text: "ndiaye", prefixes: ["ndiaye"], initial: false }]);
    expect(parseQuery("  DUPONT,  cardio  Lyon ").map((t) => t.text)).toEqual(["dupont", "cardio", "lyon"]);
    expect(parseQuery("de la tour").map((t) => t.text)).toEqual(["tour"]);
    expect(parseQuery("de").map((t) => t.text)).toEqual(["de"]);
    expect(parseQuery("")).toEqual([]);
    expect(parseQuery("constructor toString")).toEqual([
      { text: "constructor", prefixes: ["constructor"], initial: false },
      { text: "tostring", prefixes: ["tostring"], initial: false },
    ]);
  });

  it("keeps at most MAX_QUERY_TOKENS tokens; a lone letter is an initial, a lone digit is not", () => {
    expect(MAX_QUERY_TOKENS).toBe(6);
    expect(parseQuery("b c e f g h i j k").map((t) => t.text)).toEqual(["b", "c", "e", "f", "g", "h"]);
    expect(parseQuery("jean m 3 é").map((t) => [t.text, t.initial])).toEqual([
      ["jean", false],
      ["m", true],
      ["3", false],
      ["e", true],
    ]);
    // Stopwords are still dropped first (`jean d` is `jean`).
    expect(parseQuery("jean d").map((t) => t.text)).toEqual(["jean"]);
  });

  it("normalises addresses (case, IDNA) and identifiers (RPPS → idNat)", () => {
    expect(normalizeAddress(" Jean.Dupont@Hôpital.Example.FR ")).toBe("jean.dupont@xn--hpital-ixa.example.fr");
    expect(normalizeAddress("a@xn--hpital-ixa.example.fr")).toBe("a@xn--hpital-ixa.example.fr");
    // Addresses already plain take a shortcut: it must give what the full path gives.
    const full = (x: string) => {
      const l = x.trim().toLowerCase();
      const at = l.lastIndexOf("@");
      return l.slice(0, at + 1) + (domainToASCII(l.slice(at + 1)) || l.slice(at + 1));
    };
    for (const plain of [
      "jean.dupont@medecin.mssante.fr",
      "secretariat-cardio+2@ch-lyon.mssante.fr",
      "a@b..c",
      "a@xn--invalide",
      "a@-b.fr",
      "a@b.fr.",
    ]) {
      expect(normalizeAddress(plain)).toBe(full(plain));
    }
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
    // The largest sum (every token in the worst class) still ranks below a better best class.
    const worstSum = (MAX_QUERY_TOKENS + MAX_PHRASE_STOPWORDS) * WORST_CLASS;
    expect(worstSum).toBeLessThan(SUM_SPACE);
    expect(rankKey(0, worstSum, 2 ** 24 - 1)).toBeLessThan(rankKey(1, 1, 0));
    expect(Number.isSafeInteger(rankKey(WORST_CLASS, worstSum, 2 ** 24 - 1))).toBe(true);
    // The offline index keeps code + 1 in 4 bits.
    expect(Math.max(...Object.values(Code)) + 1).toBeLessThan(16);
  });

  it("picks the first place whose fields match", () => {
    const places = [
      { organisation: "Cabinet A", city: "LYON", postalCode: "69003", service: null, address: null, department: "69" },
      { organisation: "CHU", city: "SAINT-ÉTIENNE", postalCode: "42000", service: null, address: null, department: "42" },
    ];
    expect(firstMatchedPlace(places, [["saint"], ["etienne"]])).toBe(1);
    expect(firstMatchedPlace(places, [["lyo"]])).toBe(0);
    expect(firstMatchedPlace(places, [["nowhere"]])).toBe(0);
    // A routing line writes ST ETIENNE: `saint etienne` still picks that place.
    const routed = [places[0]!, { ...places[1]!, city: "ST ETIENNE" }];
    expect(firstMatchedPlace(routed, [["saint"], ["etienne"]])).toBe(1);
    expect(firstMatchedPlace(routed, [["saintetienne"]])).toBe(1);
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
      [
        "email",
        "displayName",
        "surname",
        "givenName",
        "civility",
        "profession",
        "specialty",
        "organisation",
        "service",
        "city",
        "postalCode",
        "type",
        "idNat",
        "places",
      ].sort(),
    );
    expect(d).toMatchObject({
      displayName: "Jean DUPONT",
      specialty: null,
      organisation: null,
      city: "PARIS",
      postalCode: "75001",
      service: "Urgences",
    });
    expect(d.places).toEqual([
      { organisation: "Cabinet", city: "LYON", postalCode: "69003" },
      { organisation: null, city: "PARIS", postalCode: "75001" },
    ]);
  });
});
