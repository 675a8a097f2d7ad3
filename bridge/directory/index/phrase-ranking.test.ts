/**
 * Surnames with particles and two-letter surnames (issue 19): typed words that spell an entry's whole
 * surname or compound given name rank that entry first, on data where the shorter names collide
 * (GOFF and LE GOFF, ROCHE, LA ROCHE and DE LA ROCHE, ALI and BEN ALI, DAMME and VAN DAMME).
 */
import { describe, expect, it } from "vitest";
import type { StoredEntry } from "../search/entry.ts";
import { buildIndex } from "./build-index.ts";
import { INDEX_FORMAT_VERSION, inMemoryIndex } from "./index-file.ts";
import { PackedIndex } from "./packed-index.ts";

const per = (surname: string, givenName: string, street = "RUE DE LA PAIX", city = "BREST", postalCode = "29200"): StoredEntry => ({
  email: `${`${givenName}.${surname}`.toLowerCase().replace(/[^a-z.]+/g, "-")}@medecin.mssante.fr`,
  type: "PER",
  surname,
  givenName,
  civility: "DR",
  profession: "Médecin",
  specialty: "Médecine générale",
  idNat: null,
  places: [{ organisation: null, city, postalCode, service: null, address: `12 ${street}`, department: postalCode.slice(0, 2) }],
});

const ENTRIES: StoredEntry[] = [
  per("GOFF", "Yannick"),
  per("GOFF", "Jean"),
  per("GOFF", "Marie-Hélène"),
  per("GOFFIN", "Anne"),
  per("LE GOFF", "Yannick"),
  per("Le Goff", "Jean"),
  per("LE GOFF", "Marie-Hélène"),
  per("LE GOFF", "Hélène"),
  per("LEGOFF", "Anne"),
  per("LE GOFFIC", "Paul"),
  per("ROCHE", "Jean"),
  per("ROCHE", "Marie"),
  per("ROCHE-MARTIN", "Jean"),
  per("LA ROCHE", "Jean"),
  per("LA ROCHE", "Pierre"),
  per("LAROCHE", "Paul"),
  per("DE LA ROCHE", "Jean"),
  per("ALI", "Benjamin"),
  per("ALI", "Karim", "RUE BEN ARFA"),
  per("BEN ALI", "Karim"),
  per("BENALI", "Sarah"),
  per("DAMME", "Vanessa"),
  per("DAMME", "Jean", "RUE VAN GOGH"),
  per("VAN DAMME", "Jean"),
  per("AMRANI", "Élodie"),
  per("EL AMRANI", "Youssef"),
  per("DUPONT", "Hélène-Marie"),
  per("DUPONT", "Marie-Hélène"),
  per("DUPONT", "Hélène", "RUE MARIE CURIE"),
  per("NG", "Minh"),
  per("NGUYEN", "Minh"),
  per("LE", "Van"),
  per("LY", "Anh"),
  per("LYON", "Anh"),
  per("DENIS", "Léa"),
  per("MARTIN", "Léa", "RUE DE LEON"),
  per("MARTIN", "Denis"),
  per("JEAN", "Philippe"),
  per("COUREAU", "Jean-Philippe"),
  per("LE", "Gaël"),
  per("MARTIN", "Gaëlle"),
];

const parts = buildIndex(ENTRIES);
const idx = new PackedIndex(
  inMemoryIndex(parts, {
    formatVersion: INDEX_FORMAT_VERSION,
    sourceDate: null,
    sourceName: null,
    builtAt: new Date(0).toISOString(),
    count: ENTRIES.length,
    lines: ENTRIES.length,
    tokens: parts.dict.length,
    warnings: [],
  }),
);
const name = (e: { surname: string | null; givenName: string | null } | undefined) => (e ? `${e.surname} ${e.givenName}` : "(none)");
const first = (q: string, phrases?: boolean) => name(idx.search(q, 20, phrases === false ? { phrases: false } : {}).results[0]);

/** query → the entry expected first (surname, given name, as stored). */
const TABLE: [string, string][] = [
  // Equal on the rank, the entries come in French collation order: "Le Goff" before "LE GOFF".
  ["le goff", "Le Goff Jean"],
  ["le goff yannick", "LE GOFF Yannick"],
  ["yannick le goff", "LE GOFF Yannick"],
  ["le-goff yannick", "LE GOFF Yannick"],
  ["legoff yannick", "LE GOFF Yannick"],
  ["jean le goff", "Le Goff Jean"],
  ["le goff jean", "Le Goff Jean"],
  ["le goff marie helene", "LE GOFF Marie-Hélène"],
  ["marie-helene le goff", "LE GOFF Marie-Hélène"],
  ["goff yannick", "GOFF Yannick"],
  ["goff", "GOFF Jean"],
  ["de la roche", "DE LA ROCHE Jean"],
  ["jean de la roche", "DE LA ROCHE Jean"],
  ["de la roche jean", "DE LA ROCHE Jean"],
  ["delaroche jean", "DE LA ROCHE Jean"],
  ["la roche jean", "LA ROCHE Jean"],
  ["roche jean", "ROCHE Jean"],
  ["ben ali", "BEN ALI Karim"],
  ["karim ben ali", "BEN ALI Karim"],
  ["ben-ali karim", "BEN ALI Karim"],
  ["van damme", "VAN DAMME Jean"],
  ["jean van damme", "VAN DAMME Jean"],
  ["el amrani", "EL AMRANI Youssef"],
  ["marie helene dupont", "DUPONT Marie-Hélène"],
  ["dupont marie helene", "DUPONT Marie-Hélène"],
  // A whole surname and a given name before a compound given name alone.
  ["jean philippe", "JEAN Philippe"],
  ["coureau jean philippe", "COUREAU Jean-Philippe"],
  ["ng minh", "NG Minh"],
  ["le van", "LE Van"],
  // gael le: the given name Gaëlle spelled, but LE, a whole surname typed, comes first.
  ["gael le", "LE Gaël"],
  ["ly anh", "LY Anh"],
];

describe("typed words that spell a whole name rank it first", () => {
  it.each(TABLE)("%s → %s", (query, expected) => {
    expect(first(query)).toBe(expected);
  });

  it("the previous ranking (kept for the benchmark's comparison) put the collisions first", () => {
    expect(first("le goff yannick", false)).toBe("GOFF Yannick");
    expect(first("jean de la roche", false)).toBe("ROCHE Jean");
    expect(first("ben ali", false)).toBe("ALI Benjamin");
    expect(first("marie helene dupont", false)).toBe("DUPONT Hélène-Marie");
  });

  it("finds the joined spelling too: `le goff` lists LEGOFF, which the previous ranking missed", () => {
    const names = (q: string, phrases: boolean) => idx.search(q, 20, { phrases }).results.map(name);
    expect(names("le goff", true)).toContain("LEGOFF Anne");
    expect(names("le goff", false)).not.toContain("LEGOFF Anne");
  });

  it("lists every whole-surname match before the names that only contain the last word", () => {
    const results = idx.search("le goff", 20).results.map(name);
    const spelled = results.filter((n) => /^(LE GOFF|Le Goff|LEGOFF) /.test(n));
    expect(spelled.length).toBe(5);
    expect(results.slice(0, 5)).toEqual(spelled);
    expect(results.slice(5)).toContain("GOFF Yannick");
    const roche = idx.search("de la roche", 20).results.map(name);
    expect(roche.slice(0, 3)).toEqual(["DE LA ROCHE Jean", "LA ROCHE Jean", "LA ROCHE Pierre"]);
  });

  it("a particle typed alone ranks surname matches first, not every entry with that word elsewhere", () => {
    const le = idx.search("le", 20).results.map(name);
    expect(le[0]?.startsWith("LE ")).toBe(true); // the surname LE itself (LE Gaël, LE Van)
    expect(le.slice(0, 2).sort()).toEqual(["LE Gaël", "LE Van"]);
    // Surnames LE…, then the given names (Léa) — never a street's word first.
    expect(le.indexOf("MARTIN Léa")).toBeGreaterThan(le.indexOf("LE GOFFIC Paul"));
    const de = idx.search("de", 20).results.map(name);
    expect(de[0]).toBe("DE LA ROCHE Jean");
    expect(de.indexOf("MARTIN Denis")).toBeGreaterThan(de.indexOf("DENIS Léa"));
  });
});
