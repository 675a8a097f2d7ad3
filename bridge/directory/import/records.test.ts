import { describe, expect, it } from "vitest";
import { ALL_COLUMNS, readHeader } from "./columns.ts";
import { EntryList, EntryMerger } from "./records.ts";
import { IndexBuilder } from "../index/build-index.ts";

const line = (over: Record<string, string>) => ALL_COLUMNS.map((c) => over[c] ?? "").join("|");

describe("merging many addresses", () => {
  it("finds every earlier address again past the hash table's growth (tens of thousands of entries)", () => {
    const list = new EntryList();
    const m = new EntryMerger(readHeader(ALL_COLUMNS.join("|")), list);
    const N = 70_000;
    let lineNo = 2;
    for (let i = 0; i < N; i++) {
      m.addLine(line({ "Type de BAL": "PER", "Adresse BAL": `p${i}@x.fr`, "L6LIGNEACHEMINEMENT structure BAL": "LYON" }), lineNo++);
      // Every 7th line, a second place for an address seen long before (case differs: same address).
      if (i % 7 === 0)
        m.addLine(
          line({ "Type de BAL": "PER", "Adresse BAL": `P${i >> 1}@X.FR`, "L6LIGNEACHEMINEMENT structure BAL": `CITY${i}` }),
          lineNo++,
        );
    }
    expect(m.count).toBe(N);
    expect(m.skipped).toBe(0);
    expect(list.entries).toHaveLength(N);
    expect(list.entries[0]!.places.map((p) => p.city)).toEqual(["LYON", "CITY0"]);
    expect(list.entries[7 >> 1]!.places.map((p) => p.city)).toEqual(["LYON", "CITY7"]);
    expect(list.entries[69_993 >> 1]!.places.map((p) => p.city)).toEqual(["LYON", "CITY69993"]);
    expect(list.entries[1]!.places).toHaveLength(1);
  });

  it("the index builder as the sink merges the same way (e-mails read back from its records)", () => {
    const b = new IndexBuilder();
    const m = new EntryMerger(readHeader(ALL_COLUMNS.join("|")), b);
    for (let i = 0; i < 40_000; i++)
      m.addLine(line({ "Type de BAL": "ORG", "Adresse BAL": `o${i}@exemple.fr`, "Raison Sociale structure BAL": "CHU" }), i + 2);
    m.addLine(line({ "Type de BAL": "ORG", "Adresse BAL": "O39999@EXEMPLE.FR", "Raison Sociale structure BAL": "CLINIQUE" }), 40_002);
    expect(m.count).toBe(40_000);
    expect(b.entryAt(39_999).places.map((p) => p.organisation)).toEqual(["CHU", "CLINIQUE"]);
    expect(b.emailAt(39_999)).toBe("o39999@exemple.fr");
  });
});
