/** The summary of `mss-bridge xdm read` for people: French then English, each INS status. */
import { describe, expect, it } from "vitest";
import { xdmProblem } from "../../shared/xdm/xdm-problems.ts";
import type { XdmReading } from "../../shared/xdm/read-xdm.ts";
import { formatXdmReading } from "./xdm-format.ts";

const patient = {
  ins: "279035121518989",
  insOid: "1.2.250.1.213.1.4.10",
  qualified: "test" as const,
  family: "DURAND",
  given: "Marie",
  birthDate: "1979-03-12",
  sex: "F",
};
const document = {
  file: "IHE_XDM/SUBSET01/DOC0001.XML",
  typeCode: "11502-2",
  typeLabel: "CR d'examens biologiques",
  title: "Biologie",
  author: "Dr Claire BERNARD",
  organisation: "Laboratoire de Test",
  date: "2024-01-16",
  mimeType: "text/xml",
  sizeOk: true,
  hashOk: false,
};

describe("xdm read summary", () => {
  it("a test INS, a hash mismatch, the problems in both languages", () => {
    const r: XdmReading = {
      patient,
      documents: [document],
      problems: [xdmProblem("INS_TEST"), xdmProblem("DOCUMENT_HASH_MISMATCH", document.file)],
    };
    const text = formatXdmReading(r).join("\n");
    expect(text).toContain("Patient : DURAND Marie");
    expect(text).toContain("(INS de test / test INS, OID 1.2.250.1.213.1.4.10)");
    expect(text).toContain("Type : 11502-2 « CR d'examens biologiques »");
    expect(text).toContain("Taille / size: OK   Empreinte SHA-1 / hash: DIFFÉRENT / MISMATCH");
    expect(text).toContain(
      "[DOCUMENT_HASH_MISMATCH] L'empreinte SHA-1 d'un document ne correspond pas aux métadonnées / A document's SHA-1 hash differs from the metadata (IHE_XDM/SUBSET01/DOC0001.XML)",
    );
  });

  it("no INS, a fatal problem, nothing known", () => {
    const empty = { ins: null, insOid: null, qualified: null, family: null, given: null, birthDate: null, sex: null };
    const text = formatXdmReading({ patient: empty, documents: [], problems: [xdmProblem("ZIP_RATIO")] }).join("\n");
    expect(text).toContain("Patient : —");
    expect(text).toContain("INS : absent ou incertain / INS: missing or uncertain");
    expect(text).toContain("Documents (0) :");
    expect(text).toContain("BLOQUANT / FATAL [ZIP_RATIO]");
  });

  it("a local identifier is shown as not qualified", () => {
    const local = { ...patient, ins: "IPP123", insOid: "1.2.250.1.999.1.1", qualified: false as const };
    expect(formatXdmReading({ patient: local, documents: [], problems: [] }).join("\n")).toContain(
      "INS : IPP123 (non qualifié / not qualified",
    );
  });
});
