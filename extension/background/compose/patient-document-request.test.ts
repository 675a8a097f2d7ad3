import { describe, expect, it } from "vitest";
import { TEST_INS } from "../../../test/fixtures/xdm-builder.ts";
import { authorFromIdentity, buildInputOf, MAX_PDF_BYTES, parsePatientDocumentRequest } from "./patient-document-request.ts";

const PDF = new TextEncoder().encode("%PDF-1.4\n%%EOF\n");
const PATIENT = {
  family: "Durand",
  given: "Marie",
  birthDate: "1979-03-12",
  sex: "F",
  ins: `${TEST_INS.slice(0, 5)} ${TEST_INS.slice(5)}`,
  insOid: "1.2.250.1.213.1.4.10",
  qualified: true,
};

describe("parsePatientDocumentRequest", () => {
  it("takes the popup's message, the PDF as bytes or an ArrayBuffer, spaces out of the INS", () => {
    const r = parsePatientDocumentRequest({ tabId: 3, pdf: PDF.buffer, typeCode: "11488-4", patient: PATIENT });
    expect(r).toEqual({
      ok: true,
      request: {
        tabId: 3,
        pdf: PDF,
        typeCode: "11488-4",
        patient: { ...PATIENT, ins: TEST_INS, localId: null, localOid: null },
      },
    });
  });

  it("refuses a message without a tab, without a PDF, or a PDF over 9 MiB", () => {
    const codes = (raw: Record<string, unknown>) => {
      const r = parsePatientDocumentRequest(raw);
      return r.ok ? [] : r.reasons.map((x) => x.code);
    };
    expect(codes({ pdf: PDF, patient: PATIENT })).toEqual(["NO_COMPOSE_TAB"]);
    expect(codes({ tabId: 1, patient: PATIENT })).toEqual(["PDF_MISSING"]);
    expect(codes({ tabId: 1, pdf: new Uint8Array(MAX_PDF_BYTES + 1), patient: PATIENT })).toEqual(["PDF_TOO_BIG"]);
  });

  it("reads a missing patient as empty traits (the builder names each one)", () => {
    const r = parsePatientDocumentRequest({ tabId: 1, pdf: PDF });
    expect(r.ok && r.request.patient).toEqual({
      family: "",
      given: "",
      birthDate: "",
      sex: "",
      ins: null,
      insOid: null,
      qualified: false,
      localId: null,
      localOid: null,
    });
  });
});

describe("authorFromIdentity and buildInputOf", () => {
  const identity = {
    surname: "DUPONT",
    givenName: "JEAN",
    profession: "Médecin",
    idNat: "810001234567",
    idType: "RPPS",
    idNumber: "10001234567",
    kind: "personal" as const,
    structure: null,
    notAfter: "2099-01-01T00:00:00Z",
  };

  it("the author is the card's holder; nobody without a card read", () => {
    expect(authorFromIdentity(identity)).toEqual({
      id: "810001234567",
      family: "DUPONT",
      given: "JEAN",
      profession: "Médecin",
      organisationName: null,
    });
    expect(authorFromIdentity(null)).toBeNull();
    expect(authorFromIdentity({ ...identity, surname: null })).toBeNull();
  });

  it("never passes the INS of an identity that is not qualified", () => {
    const r = parsePatientDocumentRequest({
      tabId: 1,
      pdf: PDF,
      typeCode: "11488-4",
      patient: { ...PATIENT, qualified: false, localId: "IPP-1", localOid: "1.2.3.4" },
    });
    if (!r.ok) throw new Error("parse");
    const input = buildInputOf(r.request, authorFromIdentity(identity)!);
    expect(input.patient).toEqual({
      family: "Durand",
      given: "Marie",
      birthDate: "1979-03-12",
      sex: "F",
      localId: "IPP-1",
      localOid: "1.2.3.4",
      qualified: false,
    });
  });
});
