/**
 * INS matricule keys: 97 − (number mod 97), 2A → 19 and 2B → 18 before computing (INSEE's NIR
 * definition, xml.insee.fr/schema/nir.html). Every number here is invented.
 */
import { describe, expect, it } from "vitest";
import { checkInsMatricule, checkPatientAddress, insKey } from "./ins-matricule.ts";

describe("INS matricule", () => {
  it("computes the key as 97 − (number mod 97)", () => {
    expect(insKey("2790351215189")).toBe(89);
    // A key of 97 (the number is a multiple of 97) and a one-digit key, written 0x.
    expect(insKey("1000000000016")).toBe(97 - Number(1000000000016n % 97n));
    expect(insKey("2550814168025")).toBe(38);
  });

  it("accepts a NIR with its key, refuses it with any other key", () => {
    expect(checkInsMatricule("279035121518989")).toEqual({ ok: true, matricule: "279035121518989" });
    expect(checkInsMatricule("255081416802538").ok).toBe(true);
    for (const key of ["88", "90", "00", "98", "99"]) {
      const r = checkInsMatricule(`2790351215189${key}`);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason.code).toBe("INS_KEY");
    }
  });

  it("Corsica: 2A counts as 19 and 2B as 18 for the key", () => {
    // 1 85 05 2A 004 123: the key is computed on 1850519004123.
    expect(insKey("185052A004123")).toBe(97 - Number(1850519004123n % 97n));
    expect(checkInsMatricule("185052A00412356").ok).toBe(true);
    expect(checkInsMatricule("185052a00412356").ok).toBe(true);
    expect(insKey("280122B033012")).toBe(97 - Number(2801218033012n % 97n));
    expect(checkInsMatricule("280122B03301219").ok).toBe(true);
    // 2A's key on a 2B number is wrong.
    expect(checkInsMatricule("280122A03301219").ok).toBe(false);
  });

  it("a key of 97 or a one-digit key written with a leading zero", () => {
    const find = (want: (k: number) => boolean) => {
      for (let n = 1000000000000n; ; n++) {
        const s = n.toString();
        if (want(insKey(s))) return s;
      }
    };
    const n97 = find((k) => k === 97);
    expect(checkInsMatricule(`${n97}97`).ok).toBe(true);
    const n5 = find((k) => k === 5);
    expect(checkInsMatricule(`${n5}05`).ok).toBe(true);
    expect(checkInsMatricule(`${n5}5 `).ok).toBe(false);
  });

  it("refuses a wrong length, letters elsewhere than the department, 2C", () => {
    const code = (v: string) => {
      const r = checkInsMatricule(v);
      return r.ok ? "ok" : r.reason.code;
    };
    expect(code("27903512151898")).toBe("INS_LENGTH");
    expect(code("2790351215189890")).toBe("INS_LENGTH");
    expect(code("2A9035121518989")).toBe("INS_CHARACTERS");
    expect(code("185052C00412356")).toBe("INS_CHARACTERS");
    expect(code("27903 121518989")).toBe("INS_CHARACTERS");
  });

  it("a reason, French then English, never quotes the INS", () => {
    const r = checkInsMatricule("279035121518988");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason.fr).toMatch(/clé/);
      expect(r.reason.en).toMatch(/key/);
      expect(JSON.stringify(r.reason)).not.toContain("2790351215189");
    }
  });
});

describe("patient address <INS>@patient.mssante.fr", () => {
  it("null for a professional's address", () => {
    expect(checkPatientAddress("paul.martin@medecin.mssante.fr")).toBeNull();
    expect(checkPatientAddress("279035121518989@patient.mssante.fr.example")).toBeNull();
  });
  it("a valid INS matricule is accepted, the domain in any case", () => {
    expect(checkPatientAddress("279035121518989@patient.mssante.fr")).toEqual({ ok: true });
    expect(checkPatientAddress("185052A00412356@Patient.MSSante.fr")).toEqual({ ok: true });
  });
  it("a bad key, a name, an empty local part: refused with the reason", () => {
    const codes = ["279035121518988", "marie.durand", "", "2790351215189"].map((local) => {
      const r = checkPatientAddress(`${local}@patient.mssante.fr`);
      return r === null || r.ok ? "ok" : r.reason.code;
    });
    expect(codes).toEqual(["INS_KEY", "PATIENT_ADDRESS_FORM", "PATIENT_ADDRESS_FORM", "INS_LENGTH"]);
  });
});
