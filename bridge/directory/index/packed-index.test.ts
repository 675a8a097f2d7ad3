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

const per = (
  email: string,
  surname: string,
  givenName: string,
  specialty: string | null,
  places: StoredPlace[],
  idNat: string | null = null,
): StoredEntry => ({
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
  per(
    "anne.lefevre-durand@medecin.mssante.fr",
    "Lefèvre-Durand",
    "Anne",
    "Cardiologie et maladies vasculaires",
    [place("LYON", "69003", "Cabinet Lefèvre"), place("SAINT-ÉTIENNE", "42000", "CHU de Saint-Étienne")],
    "810000000002",
  ),
  per(
    "anne.lefevre-durand@chu-lyon.mssante.fr",
    "Lefèvre-Durand",
    "Anne",
    "Cardiologie et maladies vasculaires",
    [place("LYON", "69003", "CHU de Lyon")],
    "810000000002",
  ),
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
    const many: StoredEntry[] = Array.from({ length: 150 }, (_, i) =>
      per(`p${i}@x.fr`, `NOM${String(i).padStart(3, "0")}`, "Jean", null, [place("LYON", "69003")]),
    );
    const big = makeIndex(many);
    expect(big.search("jean").results).toHaveLength(20);
    expect(big.search("jean", 500).results).toHaveLength(100);
    expect(big.search("jean", 0).results.length).toBeGreaterThan(0);
    expect(big.search("nom1").results.map((r) => r.surname)).toEqual(Array.from({ length: 20 }, (_, i) => `NOM${100 + i}`));
  });
});

describe("compound surnames (whole surname exact, then a part exact, then prefix)", () => {
  const compound = makeIndex([
    per("paul.antoine-lefevre@x.fr", "ANTOINE-LEFÈVRE", "Paul", null, [place("LYON", "69003")]),
    per("helene.lefevre-moreau@x.fr", "LEFÈVRE-MOREAU", "HÉLÈNE", "Cardiologie", [place("LYON", "69003")]),
    per("zoe.lefevre@x.fr", "LEFÈVRE", "Zoé", null, [place("PARIS", "75001")]),
    per("anne.lefevres@x.fr", "LEFÈVRES", "Anne", null, [place("PARIS", "75001")]),
    per("helene.lefevre@x.fr", "Lefebvre", "Hélène", null, [place("NICE", "06000")]),
    per("lefevre.martin@x.fr", "MARTIN", "Lefèvre", null, [place("NICE", "06000")]),
    // Surnames that collate before MARTIN and contain it as a part.
    ...Array.from({ length: 30 }, (_, i) =>
      per(`p${i}@x.fr`, `A${String.fromCharCode(97 + (i % 26))}${i}-MARTIN`, "Jean", null, [place("LYON", "69003")]),
    ),
    per("zoe.martin@x.fr", "MARTIN", "Zoé", null, [place("LYON", "69003")]),
  ]);
  const found = (q: string, limit?: number) => compound.search(q, limit).results.map((r) => r.email);

  it("lefevre: LEFÈVRE, then the compound names with a Lefèvre part, then LEFÈVRES, then the given name", () => {
    expect(found("lefevre")).toEqual([
      "zoe.lefevre@x.fr", // the whole surname
      "paul.antoine-lefevre@x.fr", // a part, by collation of the surname
      "helene.lefevre-moreau@x.fr",
      "anne.lefevres@x.fr", // surname prefix
      "lefevre.martin@x.fr", // given name
      "helene.lefevre@x.fr", // e-mail
    ]);
    expect(found("LEFÈVRE")).toEqual(found("lefevre"));
  });

  it("the whole compound name typed joined or hyphenated is exact", () => {
    expect(found("lefevremoreau")).toEqual(["helene.lefevre-moreau@x.fr"]);
    expect(found("lefevre-moreau")).toEqual(["helene.lefevre-moreau@x.fr"]);
    expect(found("moreau")).toEqual(["helene.lefevre-moreau@x.fr"]);
  });

  it("martin: the plain MARTIN first, within 20 results", () => {
    const r = found("martin", 20);
    expect(r[0]).toBe("lefevre.martin@x.fr"); // MARTIN Lefèvre < MARTIN Zoé
    expect(r[1]).toBe("zoe.martin@x.fr");
    expect(r).toHaveLength(20);
    for (const e of r.slice(2)) expect(e).toMatch(/^p\d+@x\.fr$/); // then the …-MARTIN, by collation
  });

  it("helene lefev: LEFÈVRE-MOREAU first (a prefix for every Lefèvre, Hélène only hers)", () => {
    expect(found("helene lefev")[0]).toBe("helene.lefevre-moreau@x.fr");
  });
});

describe("bounded work: initials and the token cap", () => {
  it("a lone letter matches only the start of a name or e-mail word, never another field", () => {
    // `m` would match Médecin and Médecine générale (other fields) of both Dupont.
    const dupontM = ["marc.dupont@medecin.mssante.fr", "dupont.martin@medecin.mssante.fr", "eve.martin@medecin.mssante.fr"];
    expect(emails("dupont m")).toEqual(dupontM); // not Paul DUPONT, Médecin
    expect(emails("m dupont")).toEqual(dupontM);
    expect(emails("dupont p")).toEqual(["paul.dupont@medecin.mssante.fr"]);
    expect(idx.search("dupont p").matchedOtherFields).toBe(false);
    expect(emails("e martin")).toEqual(["eve.martin@medecin.mssante.fr"]);
    // A lone letter alone: names starting with it.
    expect(emails("z")).toEqual(["zoe.abadie@medecin.mssante.fr"]);
    // A lone digit still reaches the postal codes.
    expect(emails("lyon 6", 100)).toEqual(emails("lyon", 100));
  });

  it("uses the first six tokens of a longer query", () => {
    expect(emails("marc dupont lyon 69002 medecine generale")).toEqual(["marc.dupont@medecin.mssante.fr"]);
    expect(emails("marc dupont lyon 69002 medecine generale nantes")).toEqual(["marc.dupont@medecin.mssante.fr"]);
  });
});

describe("places abbreviated by La Poste (ST, STE) and apostrophes inside hyphenated words", () => {
  const places = makeIndex([
    per("a.routed@x.fr", "ROUTED", "Agathe", null, [place("ST ETIENNE", "42000")]),
    per("b.hyphen@x.fr", "HYPHEN", "Bruno", null, [place("ST-ÉTIENNE", "42100")]),
    per("c.full@x.fr", "FULL", "Claire", null, [place("SAINT-ÉTIENNE", "42000")]),
    per("d.spaced@x.fr", "SPACED", "Denis", null, [place("SAINT ETIENNE", "42000")]),
    per("e.foy@x.fr", "FOY", "Emma", null, [place("STE FOY LES LYON", "69110")]),
    per("f.isle@x.fr", "ISLE", "Fanny", null, [place("L'ISLE-D'ABEAU", "38080")]),
    per("g.paris@x.fr", "PARIS", "Gilles", null, [place("PARIS", "75001", "Clinique Sainte-Anne")]),
  ]);
  const found = (q: string) =>
    places
      .search(q, 50)
      .results.map((r) => r.email)
      .sort();
  const allFour = ["a.routed@x.fr", "b.hyphen@x.fr", "c.full@x.fr", "d.spaced@x.fr"];

  it("st etienne, saint etienne, st-etienne and saint-etienne each find all four spellings", () => {
    for (const q of ["st etienne", "saint etienne", "sai eti", "st-etienne", "saint-etienne", "saint-étienne", "ST ÉTIENNE"]) {
      expect(found(q), q).toEqual(allFour);
    }
    expect(places.search("saint etienne").fuzzy).toBe(false);
  });

  it("sainte and ste find STE and SAINTE; the top-level place is the one that matched", () => {
    expect(found("sainte foy")).toEqual(["e.foy@x.fr"]);
    expect(found("ste foy")).toEqual(["e.foy@x.fr"]);
    expect(found("saintefoy")).toEqual(["e.foy@x.fr"]);
    expect(found("ste anne")).toEqual(["g.paris@x.fr"]);
    expect(places.search("saint etienne").results.find((r) => r.email === "a.routed@x.fr")?.city).toBe("ST ETIENNE");
  });

  it("isle-d'abeau, d'abeau and isledabeau find L'ISLE-D'ABEAU without the typo pass", () => {
    for (const q of ["isle-d'abeau", "d'abeau", "dabeau", "isledabeau", "l'isle-d'abeau", "isle d'abeau", "abeau"]) {
      const r = places.search(q);
      expect(
        r.results.map((e) => e.email),
        q,
      ).toEqual(["f.isle@x.fr"]);
      expect(r.fuzzy, q).toBe(false);
    }
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

describe("search by a national identifier", () => {
  const anne = ["anne.lefevre-durand@chu-lyon.mssante.fr", "anne.lefevre-durand@medecin.mssante.fr"];
  // A mailbox whose descriptive fields hold the number: an ordinary result of the same query.
  const noted: StoredEntry = {
    email: "rpps.registre@ars.mssante.fr",
    type: "ORG",
    surname: null,
    givenName: null,
    civility: null,
    profession: null,
    specialty: null,
    idNat: null,
    places: [place("LYON", "69003", "ARS", { service: "Dossier 10000000002" })],
  };
  const withNoted = makeIndex([...entries, noted]);

  it("an RPPS typed alone, or the whole idNat, gives that professional's mailboxes (the ordinary search finds none)", () => {
    expect(emails("10000000002").sort()).toEqual(anne);
    expect(emails("810000000002").sort()).toEqual(anne);
    expect(emails(" 100 0000 0002 ").sort()).toEqual(anne);
    expect(idx.search("10000000002")).toMatchObject({ matchedOtherFields: true, fuzzy: false });
  });

  it("puts them first, in the usual tie-break order, then the usual results, within the limit", () => {
    const r = withNoted.search("10000000002");
    expect(r.results.map((e) => e.email)).toEqual([...anne.slice().sort(), "rpps.registre@ars.mssante.fr"]);
    expect(withNoted.search("10000000002", 1).results.map((e) => e.email)).toEqual([r.results[0]!.email]);
  });

  it("an identifier nobody has: the usual results only, the typo pass as before", () => {
    expect(emails("899999999999")).toEqual([]);
    expect(withNoted.search("10000000002").results).toHaveLength(3);
    // Nobody has 810000000003: the typo pass runs as for any query (one edit from the noted number).
    expect(withNoted.search("10000000003")).toMatchObject({ fuzzy: true, results: [{ email: "rpps.registre@ars.mssante.fr" }] });
  });

  it("only a query that is the identifier alone: with other words it is an ordinary token", () => {
    expect(withNoted.search("10000000002 lyon").results.map((e) => e.email)).toEqual(["rpps.registre@ars.mssante.fr"]);
    expect(emails("dupont marc")).toEqual(["marc.dupont@medecin.mssante.fr"]);
  });
});

describe("lookups", () => {
  it("by idNat or RPPS alone gives every mailbox of the professional", () => {
    const byIdNat = idx
      .lookupByIdNat("810000000002")
      .map((e) => e.email)
      .sort();
    expect(byIdNat).toEqual(["anne.lefevre-durand@chu-lyon.mssante.fr", "anne.lefevre-durand@medecin.mssante.fr"]);
    expect(
      idx
        .lookupByIdNat("10000000002")
        .map((e) => e.email)
        .sort(),
    ).toEqual(byIdNat);
    expect(idx.lookupByIdNat("899999999999")).toEqual([]);
  });

  it("by address, case-insensitive and IDNA-normalised", () => {
    expect(idx.lookupByAddress("PAUL.DUPONT@medecin.mssante.fr")?.surname).toBe("DUPONT");
    expect(idx.lookupByAddress("labo@xn--hpital-exemple-0ob.fr")?.type).toBe("APP");
    expect(idx.lookupByAddress("labo@HÔPITAL-exemple.fr")?.type).toBe("APP");
    expect(idx.lookupByAddress("nobody@medecin.mssante.fr")).toBeNull();
  });
});
