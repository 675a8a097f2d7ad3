import { describe, expect, it } from "vitest";
import { DUPONT } from "../../test-support/entries.ts";
import type { SenderVerdict } from "./sender-verdict.ts";
import { shortDate, verdictText } from "./verdict-text.ts";

/** Echoes the message name and its substitutions, so the tests see which text was chosen. */
const tr = (name: string, subs?: string | string[]) => [name, ...(subs === undefined ? [] : Array.isArray(subs) ? subs : [subs])].join("|");

const BASE: SenderVerdict = {
  kind: "professional",
  address: DUPONT.email,
  displayName: "Dr Jean Dupont",
  proven: true,
  entry: DUPONT,
  extractionDate: "2026-05-30T00:00:00Z",
  nameMismatch: false,
  patient: null,
  reasons: [],
};

describe("verdictText", () => {
  it("a proven colleague: in the directory with the extraction date, and the details line", () => {
    const t = verdictText(BASE, tr, "fr");
    expect(t).toEqual({
      level: "ok",
      headline: "readingProfessional|DUPONT Jean|30 mai 2026",
      lines: ["Médecin · Cardiologie · Cabinet du Parc · LYON"],
    });
  });

  it("an unproven one only claims", () => {
    expect(verdictText({ ...BASE, proven: false }, tr, "en").headline).toBe("readingProfessionalClaims|DUPONT Jean|May 30, 2026");
  });

  it("names a mismatching display name", () => {
    const t = verdictText({ ...BASE, displayName: "Dr Martin", nameMismatch: true }, tr, "fr");
    expect(t.level).toBe("warn");
    expect(t.lines).toContain("readingNameMismatch|Dr Martin|DUPONT Jean");
  });

  it("outside the trust space, absent from the directory, a patient (never the INS)", () => {
    expect(
      verdictText({ ...BASE, kind: "outside-trust-space", entry: null, address: "x@example.com", proven: false }, tr, "fr"),
    ).toMatchObject({
      level: "danger",
      headline: "readingOutside|x@example.com",
    });
    expect(verdictText({ ...BASE, kind: "not-in-directory", entry: null, address: "n@a.mssante.fr" }, tr, "fr").headline).toBe(
      "readingNotInDirectory|n@a.mssante.fr|30 mai 2026",
    );
    const patient = { family: "DURAND", given: "Marie", ins: "279035121518989", insOid: "1.2.250.1.213.1.4.8", qualified: true as const };
    const p = verdictText({ ...BASE, kind: "patient", entry: null, patient }, tr, "fr");
    expect(p.headline).toBe("readingPatient|Marie DURAND");
    expect(JSON.stringify(p)).not.toContain(patient.ins);
  });

  it("an unknown extraction date", () => {
    expect(shortDate(null, tr, "fr")).toBe("readingDateUnknown");
    expect(shortDate("nonsense", tr, "fr")).toBe("readingDateUnknown");
  });
});
