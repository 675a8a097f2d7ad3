/**
 * The XDM builder with a fixed clock and fixed UUIDs: the archive reads back through the reader
 * exactly (patient, document, PDF), the subject, PDF name and X-MSS headers follow ECO.2.1.3,
 * ECO.2.1.6 and ECO.2.4.1/2.4.2, an unqualified INS is never written, and bad input is refused with
 * its reason. Schema validation (xmllint) is in test/real/xdm-schemas.test.ts. Every patient and
 * professional here is invented.
 */
import { strToU8, unzipSync, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { mssIdentityHeaders } from "../domain/mss-identity-headers.ts";
import { buildXdmArchive, type XdmBuildDeps } from "./build-xdm.ts";
import { checkBuiltXdm } from "./check-built-xdm.ts";
import { documentType, documentTypes } from "./document-types.ts";
import { readCda } from "./read-cda.ts";
import { readXdmArchive } from "./read-xdm.ts";
import { isOid, uuidToOid } from "./uuid-oid.ts";
import type { XdmBuildInput } from "./xdm-build-input.ts";
import { xmlEscape } from "./xml-text.ts";

const PDF = strToU8("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
const INS = "279035121518989";

function deps(): XdmBuildDeps {
  let n = 0;
  return { now: () => new Date("2024-01-15T10:30:00Z"), uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}` };
}

function input(over: Partial<XdmBuildInput> = {}, patient: Partial<XdmBuildInput["patient"]> = {}): XdmBuildInput {
  return {
    pdf: PDF,
    typeCode: "11488-4",
    actDate: "2024-01-14",
    patient: {
      ins: INS,
      insOid: "1.2.250.1.213.1.4.8",
      qualified: true,
      family: "DURAND",
      given: "Marie",
      birthDate: "1979-03-12",
      sex: "F",
      ...patient,
    },
    author: {
      id: "810002909371",
      family: "MARTIN",
      given: "Paul",
      prefix: "Dr",
      profession: "Médecin",
      organisationName: "Cabinet du Parc",
      organisationId: "3750000000",
    },
    ...over,
  };
}

async function built(i: XdmBuildInput = input()) {
  const r = await buildXdmArchive(i, deps());
  if (!r.ok) throw new Error(JSON.stringify(r.reasons));
  return r;
}

describe("buildXdmArchive", () => {
  it("the reader gives back exactly the patient and the document", async () => {
    const r = await built();
    const { reading, files } = await readXdmArchive(r.archive, { insHeader: r.headers["X-MSS-INS"] });
    expect(reading.problems).toEqual([]);
    expect(reading.patient).toEqual({
      ins: INS,
      insOid: "1.2.250.1.213.1.4.8",
      qualified: true,
      family: "DURAND",
      given: "Marie",
      birthDate: "1979-03-12",
      sex: "F",
    });
    expect(reading.documents).toEqual([
      {
        file: "IHE_XDM/SUBSET01/DOC0001.XML",
        typeCode: "11488-4",
        typeLabel: "CR ou fiche de consultation ou de visite",
        title: "CR ou fiche de consultation ou de visite",
        author: "Dr Paul MARTIN",
        organisation: "Cabinet du Parc",
        date: "2024-01-15T10:30:00Z",
        mimeType: "text/xml",
        sizeOk: true,
        hashOk: true,
      },
    ]);
    expect([...files.keys()].sort()).toEqual(["IHE_XDM/SUBSET01/DOC0001.XML", "IHE_XDM/SUBSET01/METADATA.XML", "INDEX.HTM", "README.TXT"]);
    const cda = readCda(files.get("IHE_XDM/SUBSET01/DOC0001.XML")!);
    expect(cda.code).toBe("11488-4");
    expect(cda.body).toEqual({ kind: "pdf", pdf: PDF });
  });

  it("subject (ECO.2.1.3), PDF name (ECO.2.1.6), X-MSS-CODECDA and X-MSS-INS: O for a qualified INS", async () => {
    const r = await built(input({ fileNumber: "D 2024/17" }, { family: "Durand-Lefèvre", given: "Zoé" }));
    expect(r.subject).toBe("XDM/1.0/DDM+CR ou fiche de consultation ou de visite DURAND-LEFÈVRE Zoé 12/03/1979");
    expect(r.pdf.name).toBe("20240114_11488-4_DURAND-LEFEVRE_Zoe_D-2024-17.pdf");
    expect(r.pdf.bytes).toBe(PDF);
    expect(r.headers).toEqual({ "X-MSS-CODECDA": "11488-4", "X-MSS-INS": "O" });
  });

  it("depends on the given clock and UUIDs only: the same input makes the same bytes", async () => {
    const a = await built();
    const b = await built();
    expect(Buffer.from(a.archive).equals(Buffer.from(b.archive))).toBe(true);
    const metadata = new TextDecoder().decode(unzipSync(a.archive)["IHE_XDM/SUBSET01/METADATA.XML"]);
    expect(metadata).toContain("<rim:Value>20240115103000</rim:Value>");
    expect(metadata).toContain(`value="${uuidToOid("00000000-0000-4000-8000-000000000001")}"`);
  });

  it("the act's date defaults to the clock's day", async () => {
    const r = await built(input({ actDate: null }));
    expect(r.pdf.name.startsWith("20240115_")).toBe(true);
  });

  it("a test INS OID is accepted and marked as such; X-MSS-INS stays O", async () => {
    const r = await built(input({}, { insOid: "1.2.250.1.213.1.4.10" }));
    const { reading } = await readXdmArchive(r.archive, { insHeader: r.headers["X-MSS-INS"] });
    expect(reading.patient.qualified).toBe("test");
    expect(reading.problems.map((p) => p.code)).toEqual(["INS_TEST"]);
    expect(r.headers["X-MSS-INS"]).toBe("O");
  });

  it("an identity not qualified: the INS is written nowhere, the local id is the patientId, X-MSS-INS: N", async () => {
    const r = await built(input({}, { qualified: false, localId: "IPP-0042", localOid: "1.2.250.1.999.1.1" }));
    expect(r.headers["X-MSS-INS"]).toBe("N");
    for (const bytes of Object.values(unzipSync(r.archive))) expect(new TextDecoder().decode(bytes)).not.toContain(INS);
    const { reading } = await readXdmArchive(r.archive, { insHeader: "N" });
    expect(reading.patient.ins).toBe("IPP-0042");
    expect(reading.patient.qualified).toBe(false);
    expect(reading.problems.map((p) => p.code)).toEqual(["INS_NOT_QUALIFIED"]);
  });

  it("values are escaped: a title with markup reads back as written", async () => {
    const title = `Lettre <b>"urgente"</b> & 'suivi'`;
    const r = await built(input({ title }));
    const { reading, files } = await readXdmArchive(r.archive);
    expect(reading.documents[0]!.title).toBe(title);
    expect(readCda(files.get("IHE_XDM/SUBSET01/DOC0001.XML")!).title).toBe(title);
  });

  it("refuses bad input with reasons in French then English, never quoting the INS", async () => {
    const codes = async (i: XdmBuildInput) => {
      const r = await buildXdmArchive(i, deps());
      if (r.ok) return [];
      for (const reason of r.reasons) expect(`${reason.fr} ${reason.en}`).not.toContain("2790351215189");
      return r.reasons.map((x) => x.code);
    };
    expect(await codes(input({}, { ins: "279035121518988" }))).toEqual(["INS_KEY"]);
    expect(await codes(input({}, { ins: "27903512151898" }))).toEqual(["INS_LENGTH"]);
    expect(await codes(input({ typeCode: "99999-9" }))).toEqual(["TYPE_UNKNOWN"]);
    expect(await codes(input({}, { family: " " }))).toEqual(["TRAIT_MISSING"]);
    expect(await codes(input({}, { birthDate: "1979-02-30" }))).toEqual(["BIRTH_DATE_INVALID"]);
    expect(await codes(input({}, { sex: "X" }))).toEqual(["SEX_INVALID"]);
    expect(await codes(input({}, { insOid: "1.2.250.1.999" }))).toEqual(["INS_OID_INVALID"]);
    expect(await codes(input({}, { qualified: false }))).toEqual(["LOCAL_ID_MISSING"]);
    expect(await codes(input({ pdf: strToU8("<html>") }))).toEqual(["PDF_INVALID"]);
    expect(await codes(input({ pdf: strToU8("%PDF-1.7\ntrailer<</Root 1 0 R/Encrypt 2 0 R>>\n%%EOF\n") }))).toEqual(["PDF_ENCRYPTED"]);
    expect(await codes(input({}, { given: "Marie^Anne" }))).toEqual(["TEXT_HL7_DELIMITER"]);
    expect(await codes(input({ title: "a\u0001b" }))).toEqual(["TEXT_INVALID"]);
    expect(await codes({ ...input(), author: { id: "", family: "", given: "Paul" } })).toEqual(["TRAIT_MISSING", "TRAIT_MISSING"]);
  });
});

describe("checkBuiltXdm", () => {
  it("finds a changed document, a missing file and another patient", async () => {
    const r = await built();
    const files = unzipSync(r.archive);
    const expectation = { patient: r.patient, typeCodes: ["11488-4"], pdfs: [PDF] };
    expect(await checkBuiltXdm(r.archive, expectation)).toEqual([]);
    const doc = files["IHE_XDM/SUBSET01/DOC0001.XML"]!;
    const changed = zipSync({
      ...files,
      "IHE_XDM/SUBSET01/DOC0001.XML": strToU8(new TextDecoder().decode(doc).replace("<title>", "<title>X")),
    });
    expect(await checkBuiltXdm(changed, expectation)).toEqual(
      expect.arrayContaining(["a document's size differs from the metadata", "a document's SHA-1 differs from the metadata"]),
    );
    const { "README.TXT": _readme, ...rest } = files;
    expect(await checkBuiltXdm(zipSync(rest), expectation)).toEqual(["README.TXT is missing"]);
    const other = { ...expectation, patient: { ...r.patient, ins: "255081416802538" } };
    expect(await checkBuiltXdm(r.archive, other)).toEqual(["a patientId differs from the patient's", "the reader reads another patient"]);
    expect(await checkBuiltXdm(r.archive, { ...expectation, pdfs: [strToU8("%PDF-other")] })).toEqual([
      "the CDA does not give back the PDF",
    ]);
  });
});

describe("document types, ids, escaping, X-MSS-NIL", () => {
  it("the shipped subset holds the usual letters and reports with ANS's labels", () => {
    for (const code of ["11488-4", "11490-0", "11502-2", "34133-9"]) expect(documentType(code)?.codeSystem).toBe("2.16.840.1.113883.6.1");
    expect(documentType("11490-0")?.fr).toBe("Lettre de liaison à la sortie d'un établissement de soins");
    expect(new Set(documentTypes().map((t) => t.code)).size).toBe(documentTypes().length);
    expect(documentType("nope")).toBeNull();
  });
  it("a UUID as an OID under 2.25", () => {
    expect(uuidToOid("00000000-0000-0000-0000-000000000001")).toBe("2.25.1");
    const oid = uuidToOid("ffffffff-ffff-ffff-ffff-ffffffffffff");
    expect(oid).toBe(`2.25.${(2n ** 128n - 1n).toString()}`);
    expect(isOid(oid)).toBe(true);
    expect(isOid("1.02.3")).toBe(false);
    expect(() => uuidToOid("not-a-uuid")).toThrow();
  });
  it("XML escaping is strict", () => {
    expect(xmlEscape(`<a href="x">'&'</a>\n`)).toBe("&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;&#10;");
    expect(() => xmlEscape("a\u0000b")).toThrow();
    expect(() => xmlEscape("\uFFFE")).toThrow();
    expect(xmlEscape("😀")).toBe("😀");
  });
  it("X-MSS-NIL: left out while the product is not declared, else the reference", () => {
    expect(mssIdentityHeaders()).toEqual({});
    expect(mssIdentityHeaders("")).toEqual({});
    expect(mssIdentityHeaders("NIL-1234")).toEqual({ "X-MSS-NIL": "NIL-1234" });
    expect(mssIdentityHeaders("A\r\nBcc: x")).toEqual({});
  });
  it("a PDF that does not declare PDF/A is attached with a warning; one that declares it, without (ECO.2.1.5)", async () => {
    const plain = await buildXdmArchive(input(), deps());
    expect(plain.ok && plain.warnings.map((w) => w.code)).toEqual(["PDF_NOT_PDFA"]);
    const pdfa = strToU8(
      `%PDF-1.7\n1 0 obj<</Type/Catalog/Metadata 2 0 R>>endobj\n2 0 obj<</Type/Metadata/Subtype/XML>>stream\n` +
        `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="2" pdfaid:conformance="B"/></x:xmpmeta>` +
        `\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`,
    );
    const declared = await buildXdmArchive(input({ pdf: pdfa }), deps());
    expect(declared.ok && declared.warnings).toEqual([]);
  });
});
