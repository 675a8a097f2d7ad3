import { describe, expect, it } from "vitest";
import { encodeEntry, type StoredEntry } from "../search/entry.ts";
import { encodeEntryText, IndexBuilder } from "./build-index.ts";

const base: StoredEntry = {
  email: "anne.lefevre-durand@medecin.mssante.fr",
  type: "PER",
  surname: "Lefèvre-Durand",
  givenName: "Anne",
  civility: "DR",
  profession: "Médecin",
  specialty: null,
  idNat: "810000000002",
  places: [
    { organisation: "Cabinet Lefèvre", city: "LYON", postalCode: "69003", service: null, address: "RUE X", department: "69" },
    { organisation: null, city: null, postalCode: null, service: "Cardio", address: null, department: null },
  ],
};

describe("index builder", () => {
  it("encodes entries exactly like the record encoding the index reads", () => {
    const variants: StoredEntry[] = [
      base,
      { ...base, surname: null, givenName: null, civility: null, profession: null, idNat: null, type: "ORG" },
      { ...base, places: [base.places[1]!] },
      { ...base, email: "ça@dömain.fr", specialty: "Médecine générale" },
    ];
    for (const e of variants) expect(encodeEntryText(e)).toBe(encodeEntry(e));
  });

  it("reads an entry's e-mail back without decoding the record, after a merge too", () => {
    const b = new IndexBuilder();
    const p = b.add(base);
    const q = b.add({ ...base, email: "Ève.Martin@Exemple.FR", idNat: null });
    b.merge(p, { ...base, specialty: "Cardiologie", places: [{ ...base.places[0]!, city: "PARIS" }] });
    expect(b.emailAt(p)).toBe(base.email);
    expect(b.emailAt(q)).toBe("Ève.Martin@Exemple.FR");
    expect(b.keyOf(q)).toBe("ève.martin@exemple.fr");
    expect(b.entryAt(p).places.map((pl) => pl.city)).toEqual(["LYON", null, "PARIS"]);
    expect(b.entryAt(p).specialty).toBe("Cardiologie");
  });
});
