import { describe, expect, it } from "vitest";
import { ALL_COLUMNS } from "../bridge/directory/import/columns.ts";
import { extractionLines, type FixtureEntry } from "./generate-directory.ts";
import { FIXTURES as DIRECTORY_FIXTURES } from "../test/real/directory-fixtures.ts";

const col = (name: (typeof ALL_COLUMNS)[number]) => ALL_COLUMNS.indexOf(name);
const STREET_NUMBER = col("L4NUMEROVOIE structure BAL");
const STREET_REPEAT = col("L4COMPLEMENTNUMEROVOIE structure BAL");
const STREET_TYPE = col("NL4TYPEVOIE structure BAL");
const STREET_NAME = col("L4LIBELLEVOIE structure BAL");
const ROUTING = col("L6LIGNEACHEMINEMENT structure BAL");
const POSTAL_CODE = col("Code postal structure BAL");
const DEPARTMENT = col("Département structure BAL");
const ORGANISATION = col("Raison Sociale structure BAL");

const FIXTURES: FixtureEntry[] = [
  // The directory suites' own Lefèvre-Durand (a compound surname, two places).
  DIRECTORY_FIXTURES.find((f) => f.email === "anne.lefevre-durand@medecin.mssante.fr")!,
  {
    type: "ORG",
    email: "secretariat.cardiologie@hôpital-test.fr",
    places: [
      { organisation: "Hôpital Test", service: "Secrétariat de cardiologie", street: "12 RUE X", city: "NANTES", postalCode: "44000" },
    ],
  },
];

function generate(lines: number, seed: number, fixtures: FixtureEntry[] = []): string[][] {
  return [...extractionLines({ lines, seed, fixtures })].slice(1).map((l) => l.split("|"));
}

describe("directory generator", () => {
  it("is deterministic: the same seed gives the same lines, another seed other lines", () => {
    const a = [...extractionLines({ lines: 3000, seed: 7, fixtures: FIXTURES })];
    expect([...extractionLines({ lines: 3000, seed: 7, fixtures: FIXTURES })]).toEqual(a);
    const b = [...extractionLines({ lines: 3000, seed: 8, fixtures: FIXTURES })];
    expect(b[0]).toBe(a[0]);
    expect(b.slice(1)).not.toEqual(a.slice(1));
  });

  it("writes the header, 31 columns a line, and the fixtures exactly as given", () => {
    const lines = [...extractionLines({ lines: 2000, seed: 3, fixtures: FIXTURES })];
    expect(lines[0]).toBe(ALL_COLUMNS.join("|"));
    expect(lines).toHaveLength(2001);
    for (const l of lines) expect(l.split("|")).toHaveLength(31);
    const fixtureLines = lines.filter((l) => FIXTURES.some((f) => l.split("|")[1] === f.email));
    expect(fixtureLines).toEqual([
      "PER|anne.lefevre-durand@medecin.mssante.fr|8|10009876543|810009876543||||DR|Lefèvre-Durand|Anne|C|Civil|10|Médecin|SM00|Cardiologie et maladies vasculaires||Cabinet de cardiologie|||||||||69003 LYON|69003|69|FRANCE",
      "PER|anne.lefevre-durand@medecin.mssante.fr|8|10009876543|810009876543||||DR|Lefèvre-Durand|Anne|C|Civil|10|Médecin|SM00|Cardiologie et maladies vasculaires||CHU de Saint-Étienne|||||||||42000 SAINT-ÉTIENNE|42000|42|FRANCE",
      "ORG|secretariat.cardiologie@hôpital-test.fr||||||Secrétariat de cardiologie|||||||||||Hôpital Test|||||||12 RUE X||44000 NANTES|44000|44|FRANCE",
    ]);
    // Spread through the file, not all at the start.
    expect(lines.indexOf(fixtureLines[2]!)).toBeGreaterThan(1000);
  });

  it("has the real file's variety: many streets and communes, postal codes within their department", () => {
    const rows = generate(30_000, 2026);
    const streets = new Set<string>();
    const routing = new Set<string>();
    const organisations = new Set<string>();
    let repeats = 0;
    let abbreviated = 0;
    for (const r of rows) {
      if (r[STREET_NAME]) streets.add(`${r[STREET_TYPE]} ${r[STREET_NAME]}`);
      if (r[STREET_REPEAT]) repeats++;
      if (r[STREET_NUMBER]) expect(r[STREET_NUMBER]).toMatch(/^[1-9]\d*$/);
      routing.add(r[ROUTING]!);
      organisations.add(r[ORGANISATION]!);
      const cp = r[POSTAL_CODE]!;
      const dept = r[DEPARTMENT]!;
      if (!cp) continue;
      expect(r[ROUTING]!.startsWith(`${cp} `)).toBe(true);
      if (/ ST(E)? /.test(r[ROUTING]!)) abbreviated++;
      if (dept === "2A" || dept === "2B") expect(cp).toMatch(dept === "2A" ? /^20[01]/ : /^20[2-6]/);
      else expect(cp.startsWith(dept)).toBe(true);
    }
    // (The first generator had ~30 street names and ~110 routing lines at any size.)
    expect(streets.size).toBeGreaterThan(15_000);
    expect(routing.size).toBeGreaterThan(7_000);
    expect(organisations.size).toBeGreaterThan(10_000);
    expect(repeats).toBeGreaterThan(rows.length * 0.02);
    expect(abbreviated).toBeGreaterThan(100);
    const departments = new Set(rows.map((r) => r[DEPARTMENT]));
    for (const d of ["01", "2A", "2B", "75", "95", "971", "972", "973", "974", "976"]) expect(departments).toContain(d);
    // Big cities far more frequent than villages.
    const paris = rows.filter((r) => r[DEPARTMENT] === "75").length;
    expect(paris / rows.length).toBeGreaterThan(0.03);
    const kinds = [
      /^Centre hospitalier/,
      /^Clinique /,
      /^EHPAD /,
      /^Laboratoire /,
      /^Cabinet du Dr /,
      /^Pharmacie /,
      /^Maison de santé pluriprofessionnelle /,
    ];
    for (const k of kinds)
      expect(
        [...organisations].some((o) => k.test(o)),
        String(k),
      ).toBe(true);
  });
});
