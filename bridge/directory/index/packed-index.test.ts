import { describe, expect, it } from "vitest";
import type { StoredEntry, StoredPlace } from "../search/entry.ts";
import { buildIndex } from "./build-index.ts";
import { INDEX_FORMAT_VERSION, inMemoryIndex } from "./index-file.ts";
import { PackedIndex } from "./packed-index.ts";

const place = (city: string, postalCode: string, organisation: string | null = null, extra: Partial<StoredPlace> = {}): StoredPlace => ({
  organisation,
  city,
  postalCode,
  service: null,
  address: null,
  department: postalCode.slice(0, 2),
  ...extra,
});

const per = (email: string, surname: string, givenName: string, specialty: string | null, places: StoredPlace[], idNat: string | null = null): StoredEntry => ({
  email,
  type: "PER",
  surname,
  givenName,
  civility: "DR",
  profession: "Médecin",
  specialty,
  idNat,
  places,
});

const entries: StoredEntry[] = [
  per("jean.lefevre@medecin.mssante.fr", "LEFÈVRE", "Jean", "Médecine générale", [place("PARIS", "75012")], "810000000001"),
  per("anne.lefevre-durand@medecin.mssante.fr", "Lefèvre-Durand", "Anne", "Cardiologie et maladies vasculaires", [
    place("LYON", "69003", "Cabinet Lefèvre"),
    place("SAINT-ÉTIENNE", "42000", "CHU de Saint-Étienne"),
  ], "810000000002"),
  per("anne.lefevre-durand@chu-lyon.mssante.fr", "Lefèvre-Durand", "Anne", "Cardiologie et maladies vasculaires", [place("LYON", "69003", "CHU de Lyon")], "810000000002"),
  per("awa.ndiaye@medecin.mssante.fr", "N'Diaye", "Awa", "Pédiatrie", [place("SAINT-ÉTIENNE", "42100")]),
  per("paul.dupont@medecin.mssante.fr", "DUPONT", "Paul", "Cardiologie et maladies vasculaires", [place("LYON", "69006")]),
  per("marc.dupont@medecin.mssante.fr", "DUPONT", "Marc", "Médecine générale", [place("LYON", "69002")]),
  per("luc.dupontel@medecin.mssante.fr", "DUPONTEL", "Luc", "Cardiologie et maladies vasculaires", [place("LYON", "69003")]),
  per("dupont.martin@medecin.mssante.fr", "MARTIN", "Dupont", null, [place("NANTES", "44000")]),
  per("eve.martin@medecin.mssante.fr", "MARTIN", "Ève", null, [place("NANTES", "44000", "Clinique Dupont")]),
  per("zoe.abadie@medecin.mssante.fr", "ABADIE", "Zoé", null, [place("PARIS", "75001")]),
  per("albert.abadie@medecin.mssante.fr", "Abadie", "Albert", null, [place("PARIS", "75001")]),
  per("emile.ecuyer@medecin.mssante.fr", "ÉCUYER", "Émile", null, [place("PARIS", "75001")]),
  per("eric.eboue@medecin.mssante.fr", "EBOUE", "Éric", null, [place("PARIS", "75001")]),
  {
    email: "secretariat.cardio@chu-lyon.mssante.fr",
    type: "ORG",
    surname: null,
    givenName: null,
    civility: null,
    profession: null,
    specialty: null,
    idNat: null,
    places: [place("LYON", "69003", "CHU de Lyon", { service: "Service de cardiologie" })],
  },
  {
    email: "dupont@cabinet-dupont.mssante.fr",
    type: "CAB",
    surname: null,
    givenName: null,
    civility: null,
    profession: null,
    specialty: null,
    idNat: null,
    places: [place("LYON", "69003", "Cabinet Dupont")],
  },
  {
    email: "labo@hôpital-exemple.fr",
    type: "APP",
    surname: null,
    givenName: null,
    civility: null,
    profession: null,
    specialty: null,
    idNat: null,
    places: [place("NICE", "06000", "Hôpital exemple", { service: "Laboratoire" })],
  },
];

function makeIndex(list = entries): PackedIndex {
  const parts = buildIndex(list);
  return new PackedIndex(
    inMemoryIndex(parts, {
      formatVersion: INDEX_FORMAT_VERSION,
      sourceDate: null,
      sourceName: null,
      builtAt: new Date(0).toISOString(),
      count: list.length,
      lines: list.length,
      tokens: parts.dict.length,
      warnings: [],
    }),
  );
}

const idx = makeIndex();
const emails = (q: string, limit?: number) => idx.search(q, limit).results.map((r) => r.email);

describe("search examples", () => {
  it("lefevre finds LEFÈVRE and Lefèvre-Durand", () => {
    const r = emails("lefevre");
    expect(r).toContain("jean.lefevre@medecin.mssante.fr");
    expect(r).toContain("anne.lefevre-durand@medecin.mssante.fr");
    expect(emails("LEFÈVRE")).toEqual(r);
    expect(emails("lefevredurand")).toEqual(["anne.lefevre-durand@chu-lyon.mssante.fr", "anne.lefevre-durand@medecin.mssante.fr"]);
  });

  it("ndiaye and n'diaye find N'Diaye", () => {
    expect(emails("ndiaye")).toEqual(["awa.ndiaye@medecin.mssante.fr"]);
    expect(emails("n'diaye")).toEqual(["awa.ndiaye@medecin.mssante.fr"]);
    expect(emails("diaye")).toEqual(["awa.ndiaye@medecin.mssante.fr"]);
  });

  it("st etienne finds SAINT-ÉTIENNE", () => {
    const r = emails("st etienne");
    expect(r).toContain("awa.ndiaye@medecin.mssante.fr");
    expect(r).toContain("anne.lefevre-durand@medecin.mssante.fr");
    expect(emails("saint-etienne")).toEqual(expect.arrayContaining(r));
  });

  it("ANDs tokens across fields: dupont cardio lyon", () => {
    const out = idx.search("dupont cardio lyon");
    expect(out.results.map((r) => r.email)).toEqual(["paul.dupont@medecin.mssante.fr", "luc.dupontel@medecin.mssante.fr"]);
    expect(out.matchedOtherFields).toBe(true);
  });

  it("each token is a prefix", () => {
    expect(emails("lef dur")).toEqual(["anne.lefevre-durand@chu-lyon.mssante.fr", "anne.lefevre-durand@medecin.mssante.fr"]);
    expect(emails("690")).toContain("paul.dupont@medecin.mssante.fr");
  });
});

describe("ranking", () => {
  it("surname exact, then surname prefix, then given name, then other fields; PER before ORG before APP before CAB", () => {
    expect(emails("dupont")).toEqual([
      "marc.dupont@medecin.mssante.fr", // surname exact (Marc < Paul)
      "paul.dupont@medecin.mssante.fr",
      "luc.dupontel@medecin.mssante.fr", // surname prefix
      "dupont.martin@medecin.mssante.fr", // given name
      "eve.martin@medecin.mssante.fr", // organisation (PER)
      "dupont@cabinet-dupont.mssante.fr", // e-mail / organisation (CAB)
    ]);
  });

  it("orders ties by French collation of surname, given name, e-mail", () => {
    // ABADIE/Abadie tie on the surname (case and accents are secondary), then the given name.
    expect(emails("75001")).toEqual([
      "albert.abadie@medecin.mssante.fr",
      "zoe.abadie@medecin.mssante.fr",
      "eric.eboue@medecin.mssante.fr",
      "emile.ecuyer@medecin.mssante.fr",
    ]);
  });

  it("mailbox types follow PER, ORG, APP, CAB on equal match", () => {
    const types = idx.search("lyon", 100).results.map((r) => r.type);
    expect(types.indexOf("ORG")).toBeGreaterThan(types.lastIndexOf("PER"));
    expect(types.indexOf("CAB")).toBeGreaterThan(types.indexOf("ORG"));
  });

  it("limits results (default 20, at most 100)", () => {
    const many: StoredEntry[] = Array.from({ length: 150 }, (_, i) => per(`p${i}@x.fr`, `NOM${String(i).padStart(3, "0")}`, "Jean", null, [place("LYON", "69003")]));
    const big = makeIndex(many);
    expect(big.search("jean").results).toHaveLength(20);
    expect(big.search("jean", 500).results).toHaveLength(100);
    expect(big.search("jean", 0).results.length).toBeGreaterThan(0);
    expect(big.search("nom1").results.map((r) => r.surname)).toEqual(Array.from({ length: 20 }, (_, i) => `NOM${100 + i}`));
  });
});

describe("typos", () => {
  it("tolerates one edit in tokens of 5+ letters, only when the exact search finds nothing", () => {
    const r = idx.search("lefvere");
    expect(r.fuzzy).toBe(true);
    expect(r.results.map((e) => e.email)).toContain("jean.lefevre@medecin.mssante.fr");
    expect(idx.search("lefevre").fuzzy).toBe(false);
    expect(idx.search("dupnt lyon").results.map((e) => e.email)).toContain("paul.dupont@medecin.mssante.fr");
  });

  it("does not apply to short tokens", () => {
    expect(idx.search("dupt").results).toEqual([]);
    expect(idx.search("ndiay").results.length).toBe(1); // prefix, not a typo
  });

  it("finds nothing when two edits are needed", () => {
    expect(idx.search("lfvere").results).toEqual([]);
  });
});

describe("results", () => {
  it("top-level place is the first place that matched", () => {
    const r = idx.search("lefevre saint etienne").results.find((e) => e.email === "anne.lefevre-durand@medecin.mssante.fr")!;
    expect(r.city).toBe("SAINT-ÉTIENNE");
    expect(r.organisation).toBe("CHU de Saint-Étienne");
    expect(r.places).toHaveLength(2);
    const plain = idx.search("lefevre-durand").results.find((e) => e.email === "anne.lefevre-durand@medecin.mssante.fr")!;
    expect(plain.city).toBe("LYON");
  });

  it("matchedOtherFields is false when only names or e-mails matched", () => {
    expect(idx.search("dupont marc").matchedOtherFields).toBe(false);
    expect(idx.search("cardio").matchedOtherFields).toBe(true);
  });

  it("an empty or blank query returns nothing", () => {
    expect(idx.search("").results).toEqual([]);
    expect(idx.search(" ,;- ").results).toEqual([]);
  });
});

describe("lookups", () => {
  it("by idNat or RPPS alone gives every mailbox of the professional", () => {
    const byIdNat = idx.lookupByIdNat("810000000002").map((e) => e.email).sort();
    expect(byIdNat).toEqual(["anne.lefevre-durand@chu-lyon.mssante.fr", "anne.lefevre-durand@medecin.mssante.fr"]);
    expect(idx.lookupByIdNat("10000000002").map((e) => e.email).sort()).toEqual(byIdNat);
    expect(idx.lookupByIdNat("899999999999")).toEqual([]);
  });

  it("by address, case-insensitive and IDNA-normalised", () => {
    expect(idx.lookupByAddress("PAUL.DUPONT@medecin.mssante.fr")?.surname).toBe("DUPONT");
    expect(idx.lookupByAddress("labo@xn--hpital-exemple-0ob.fr")?.type).toBe("APP");
    expect(idx.lookupByAddress("labo@HÔPITAL-exemple.fr")?.type).toBe("APP");
    expect(idx.lookupByAddress("nobody@medecin.mssante.fr")).toBeNull();
  });
});
