import { describe, expect, it } from "vitest";
import { ALL_COLUMNS, HeaderError, readHeader } from "./columns.ts";
import { cityFromLine, EntryList, EntryMerger } from "./records.ts";
import { hash32 } from "../index/hash32.ts";
import { sourceDateFromName } from "./import-extraction.ts";

const header = ALL_COLUMNS.join("|");

describe("header", () => {
  it("reads columns by name in any order, ignoring extra columns", () => {
    const cols = [...ALL_COLUMNS].reverse();
    const h = readHeader(["Extra", ...cols].join("|"));
    expect(h.columnCount).toBe(32);
    expect(h.index.email).toBe(cols.indexOf("Adresse BAL") + 1);
    expect(h.warnings).toEqual([]);
  });

  it("names the required columns that are missing", () => {
    const cols = ALL_COLUMNS.filter((c) => c !== "Nom d'exercice" && c !== "Adresse BAL");
    expect(() => readHeader(cols.join("|"))).toThrow(HeaderError);
    expect(() => readHeader(cols.join("|"))).toThrow(/"Adresse BAL", "Nom d'exercice"/);
  });

  it("only warns about missing columns it does not use", () => {
    const h = readHeader(ALL_COLUMNS.filter((c) => c !== "Pays structure BAL").join("|"));
    expect(h.warnings).toEqual(['Column "Pays structure BAL" is missing (not used by the search).']);
  });

  it("tolerates a BOM, case and apostrophe variants in names", () => {
    const h = readHeader(`\uFEFF${header.replace("Civilité d'exercice", "CIVILITE D’EXERCICE")}`);
    expect(h.index.civility).toBe(8);
  });
});

describe("lines", () => {
  const line = (over: Record<string, string>) => ALL_COLUMNS.map((c) => over[c] ?? "").join("|");
  it("merges the lines of one address into one entry with several places", () => {
    const list = new EntryList();
    const m = new EntryMerger(readHeader(header), list);
    m.addLine(
      line({
        "Type de BAL": "PER",
        "Adresse BAL": "a@x.fr",
        "Nom d'exercice": "DUPONT",
        "L6LIGNEACHEMINEMENT structure BAL": "69003 LYON",
        "Code postal structure BAL": "69003",
      }),
      2,
    );
    m.addLine(line({ "Type de BAL": "PER", "Adresse BAL": "b@x.fr", "Nom d'exercice": "MARTIN" }), 3);
    m.addLine(
      line({
        "Type de BAL": "PER",
        "Adresse BAL": "A@X.FR",
        "Nom d'exercice": "DUPONT",
        "Prénom d'exercice": "Jean",
        "L6LIGNEACHEMINEMENT structure BAL": "42000 SAINT-ÉTIENNE",
        "Code postal structure BAL": "42000",
      }),
      4,
    );
    m.addLine(line({ "Type de BAL": "XXX", "Adresse BAL": "c@x.fr" }), 5);
    m.addLine("too|few|columns", 6);
    expect(list.entries).toHaveLength(2);
    expect(list.entries[0]!.givenName).toBe("Jean");
    expect(list.entries[0]!.places.map((p) => p.city)).toEqual(["LYON", "SAINT-ÉTIENNE"]);
    expect(m.skipped).toBe(2);
    expect(m.problems[1]).toMatch(/line 6: 3 columns instead of 31/);
  });

  it("keeps two addresses apart when their hashes collide, and still merges each one's lines", () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | null = null;
    for (let i = 0; !pair; i++) {
      const a = `u${i}@x.fr`;
      const h = hash32(a);
      const other = seen.get(h);
      if (other) pair = [other, a];
      else seen.set(h, a);
    }
    const list = new EntryList();
    const m = new EntryMerger(readHeader(header), list);
    const row = (email: string, city: string) =>
      line({ "Type de BAL": "ORG", "Adresse BAL": email, "L6LIGNEACHEMINEMENT structure BAL": city });
    m.addLine(row(pair[0], "LYON"), 2);
    m.addLine(row(pair[1], "PARIS"), 3);
    m.addLine(row(pair[1], "NICE"), 4);
    m.addLine(row(pair[0], "BREST"), 5);
    expect(list.entries.map((e) => [e.email, e.places.map((p) => p.city)])).toEqual([
      [pair[0], ["LYON", "BREST"]],
      [pair[1], ["PARIS", "NICE"]],
    ]);
  });

  it("takes the city from the routing line without its postal code", () => {
    expect(cityFromLine("69003 LYON", "69003")).toBe("LYON");
    expect(cityFromLine("13090 AIX-EN-PROVENCE CEDEX 2", null)).toBe("AIX-EN-PROVENCE CEDEX 2");
    expect(cityFromLine(null, null)).toBeNull();
  });

  it("reads the source date from the file name", () => {
    expect(sourceDateFromName("Extraction_Correspondance_MSSante_202611230312.txt")).toBe("2026-11-23T03:12:00Z");
    expect(sourceDateFromName("extraction.txt")).toBeNull();
    expect(sourceDateFromName("Extraction_Correspondance_MSSante_202613230312.txt")).toBeNull();
  });
});
