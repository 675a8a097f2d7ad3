/**
 * The XDM reader on archives built after IHE ITI TF-1 §16 / TF-3 §4.2.2.1 (media layout) and
 * TF-3 §4.2.3 (metadata attributes), with ANS's CI-SIS document types (LOINC type codes) and the
 * INS OIDs of ANS's INS guide. Hostile archives: shared/xdm/safe-unzip.test.ts and below.
 */
import { strToU8 } from "fflate";
import { describe, expect, it } from "vitest";
import {
  cdaPdf,
  cdaStructured,
  type FixtureDoc,
  PATIENT,
  section,
  TEST_INS,
  xdmFiles,
  xdmZip,
  zip,
} from "../../test/fixtures/xdm-builder.ts";
import { readXdmArchive, unreadable } from "./read-xdm.ts";

const LETTER: FixtureDoc = {
  uri: "DOC0001.XML",
  content: cdaPdf("11490-0", "Lettre de liaison à la sortie"),
  typeCode: "11490-0",
  typeLabel: "Lettre de liaison à la sortie d'un établissement de soins",
  title: "Lettre de liaison à la sortie",
};
const LAB: FixtureDoc = {
  uri: "DOC0002.XML",
  content: cdaStructured("11502-2", "Compte rendu d'examens biologiques", section("Hématologie", "<paragraph>Hb 13,5 g/dL</paragraph>")),
  typeCode: "11502-2",
  typeLabel: "CR d'examens biologiques",
  title: "Compte rendu d'examens biologiques",
  authorPerson: "810000000001^BERNARD^Claire^^^Dr^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS",
  authorInstitution: "Laboratoire de Test^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^3750000001",
  creationTime: "20240116",
};

async function read(bytes: Uint8Array, insHeader?: string) {
  return (await readXdmArchive(bytes, { insHeader })).reading;
}

const codes = (r: { problems: { code: string }[] }) => r.problems.map((p) => p.code);

describe("XDM reader: well-formed archives", () => {
  it("TF-3 §4.2.2.1 + §4.2.3: one discharge letter (LOINC 11490-0), patient from patientId and sourcePatientInfo", async () => {
    const r = await read(await xdmZip([LETTER]));
    expect(r.problems).toEqual([]);
    expect(r.patient).toEqual({
      ins: TEST_INS,
      insOid: "1.2.250.1.213.1.4.8",
      qualified: true,
      family: "DURAND",
      given: "Marie",
      birthDate: "1979-03-12",
      sex: "F",
    });
    expect(r.documents).toEqual([
      {
        file: "IHE_XDM/SUBSET01/DOC0001.XML",
        typeCode: "11490-0",
        typeLabel: "Lettre de liaison à la sortie d'un établissement de soins",
        title: "Lettre de liaison à la sortie",
        author: "Dr Paul MARTIN",
        organisation: "Centre hospitalier de Test",
        date: "2024-01-15T10:30:00Z",
        mimeType: "text/xml",
        sizeOk: true,
        hashOk: true,
      },
    ]);
  });

  it("TF-3 §4.2.3.2: two documents of two types (11490-0, lab report 11502-2) in one submission", async () => {
    const r = await read(await xdmZip([LETTER, LAB]));
    expect(r.problems).toEqual([]);
    expect(r.documents.map((d) => [d.typeCode, d.author, d.organisation, d.date])).toEqual([
      ["11490-0", "Dr Paul MARTIN", "Centre hospitalier de Test", "2024-01-15T10:30:00Z"],
      ["11502-2", "Dr Claire BERNARD", "Laboratoire de Test", "2024-01-16"],
    ]);
  });

  it("INS guide: the NIA OID (.9) is qualified; test (.10) and demonstration (.11) OIDs are reported as test", async () => {
    expect((await read(await xdmZip([LETTER], { ...PATIENT, oid: "1.2.250.1.213.1.4.9" }))).patient.qualified).toBe(true);
    for (const oid of ["1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11"]) {
      const r = await read(await xdmZip([LETTER], { ...PATIENT, oid }));
      expect(r.patient.qualified).toBe("test");
      expect(codes(r)).toEqual(["INS_TEST"]);
    }
  });

  it("ECO.2.2.6: a local identifier (a hospital's IPP OID) is not a qualified INS", async () => {
    const r = await read(await xdmZip([LETTER], { ...PATIENT, id: "IPP123456", oid: "1.2.250.1.999.1.1" }));
    expect(r.patient.qualified).toBe(false);
    expect(r.patient.ins).toBe("IPP123456");
    expect(codes(r)).toEqual(["INS_NOT_QUALIFIED"]);
  });

  it("ECO.2.4.2: X-MSS-INS O agrees with a qualified INS; N contradicts it; anything else is invalid", async () => {
    const archive = await xdmZip([LETTER]);
    expect(codes(await read(archive, "O"))).toEqual([]);
    expect(codes(await read(archive, "N"))).toEqual(["INS_HEADER_CONTRADICTION"]);
    expect(codes(await read(archive, "yes"))).toEqual(["INS_HEADER_INVALID"]);
    const local = await xdmZip([LETTER], { ...PATIENT, oid: "1.2.250.1.999.1.1" });
    expect(codes(await read(local, "O"))).toEqual(["INS_NOT_QUALIFIED", "INS_HEADER_CONTRADICTION"]);
    expect(codes(await read(local, "N"))).toEqual(["INS_NOT_QUALIFIED"]);
  });

  it("METADATA.XML declared ISO-8859-1 (XML 1.0 §4.3.3) keeps its accents", async () => {
    const files = await xdmFiles([LETTER]);
    const xml = new TextDecoder()
      .decode(files["IHE_XDM/SUBSET01/METADATA.XML"] as Uint8Array)
      .replace('encoding="UTF-8"', 'encoding="ISO-8859-1"');
    files["IHE_XDM/SUBSET01/METADATA.XML"] = new Uint8Array(Buffer.from(xml, "latin1"));
    const r = await read(zip(files));
    expect(r.documents[0]!.title).toBe("Lettre de liaison à la sortie");
  });

  it("file names are matched without regard to case (DOC0001.XML named doc0001.xml)", async () => {
    const files = await xdmFiles([{ ...LETTER, uri: "doc0001.xml" }]);
    const content = files["IHE_XDM/SUBSET01/doc0001.xml"]!;
    delete files["IHE_XDM/SUBSET01/doc0001.xml"];
    files["IHE_XDM/SUBSET01/DOC0001.XML"] = content;
    const r = await read(zip(files));
    expect(r.documents[0]!.file).toBe("IHE_XDM/SUBSET01/DOC0001.XML");
    expect(r.documents[0]!.hashOk).toBe(true);
  });
});

describe("XDM reader: broken and contradictory metadata", () => {
  it("TF-3 §4.2.3.2.14/.18: size and hash slots that do not match the file", async () => {
    const r = await read(await xdmZip([{ ...LETTER, size: 12, hash: "0".repeat(40) }]));
    expect(r.documents[0]).toMatchObject({ sizeOk: false, hashOk: false });
    expect(codes(r)).toEqual(["DOCUMENT_SIZE_MISMATCH", "DOCUMENT_HASH_MISMATCH"]);
    expect(unreadable(r)).toBe(false);
  });

  it("no size or hash slot: not checked (null), no problem", async () => {
    const r = await read(await xdmZip([{ ...LETTER, size: null, hash: null }]));
    expect(r.documents[0]).toMatchObject({ sizeOk: null, hashOk: null });
    expect(r.problems).toEqual([]);
  });

  it("metadata naming a file missing from the archive", async () => {
    const files = await xdmFiles([LETTER, LAB]);
    delete files["IHE_XDM/SUBSET01/DOC0002.XML"];
    const r = await read(zip(files));
    expect(r.documents[1]).toMatchObject({ file: "IHE_XDM/SUBSET01/DOC0002.XML", sizeOk: null, hashOk: null });
    expect(r.problems).toEqual([expect.objectContaining({ code: "DOCUMENT_FILE_MISSING", file: "IHE_XDM/SUBSET01/DOC0002.XML" })]);
  });

  it("a URI escaping its folder is not followed", async () => {
    const files = await xdmFiles([{ ...LETTER, uri: "../../README.TXT" }]);
    delete files["IHE_XDM/SUBSET01/../../README.TXT"];
    const r = await read(zip(files));
    expect(codes(r)).toEqual(["DOCUMENT_UNSAFE_URI"]);
    expect(r.documents[0]!.hashOk).toBeNull();
  });

  it("two documents of two patients: contradictory, no INS reported, the value in no message", async () => {
    const other = { ...PATIENT, id: "180017512345627", family: "AUTRE" };
    const r = await read(await xdmZip([LETTER, { ...LAB, patient: other }]));
    expect(codes(r)).toEqual(["PATIENT_CONTRADICTORY"]);
    expect(r.patient).toMatchObject({ ins: null, insOid: null, qualified: null });
    expect(JSON.stringify(r.problems)).not.toMatch(/279035121518989|180017512345627/);
  });

  it("a SubmissionSet patientId that differs from the entries' is a contradiction", async () => {
    const r = await read(await xdmZip([LETTER], PATIENT, { ...PATIENT, id: "180017512345627" }));
    expect(codes(r)).toEqual(["PATIENT_CONTRADICTORY"]);
  });

  it("TF-3 §4.2.3.2.16: no patientId and no sourcePatientId anywhere: PATIENT_MISSING, names still read", async () => {
    const files = await xdmFiles([LETTER]);
    const xml = new TextDecoder()
      .decode(files["IHE_XDM/SUBSET01/METADATA.XML"] as Uint8Array)
      .replace(/<rim:ExternalIdentifier[^>]*>.*?<\/rim:ExternalIdentifier>/g, "")
      .replace(/<rim:Slot name="sourcePatientId">.*?<\/rim:Slot>/, "");
    files["IHE_XDM/SUBSET01/METADATA.XML"] = strToU8(xml);
    const r = await read(zip(files));
    expect(codes(r)).toEqual(["PATIENT_MISSING"]);
    expect(r.patient).toMatchObject({ ins: null, qualified: null, family: "DURAND", birthDate: "1979-03-12" });
  });

  it("TF-3 §4.2.2.1: two subsets (SUBSET01, SUBSET02) of the same patient are read together", async () => {
    const files = await xdmFiles([LETTER]);
    const second = await xdmFiles([{ ...LAB, uri: "DOC0001.XML" }]);
    files["IHE_XDM/SUBSET02/METADATA.XML"] = second["IHE_XDM/SUBSET01/METADATA.XML"]!;
    files["IHE_XDM/SUBSET02/DOC0001.XML"] = second["IHE_XDM/SUBSET01/DOC0001.XML"]!;
    const r = await read(zip(files));
    expect(r.problems).toEqual([]);
    expect(r.documents.map((d) => [d.file, d.typeCode, d.hashOk])).toEqual([
      ["IHE_XDM/SUBSET01/DOC0001.XML", "11490-0", true],
      ["IHE_XDM/SUBSET02/DOC0001.XML", "11502-2", true],
    ]);
  });

  it("TF-3 §4.2.2.1: no METADATA.XML is fatal", async () => {
    const files = await xdmFiles([LETTER]);
    delete files["IHE_XDM/SUBSET01/METADATA.XML"];
    const r = await read(zip(files));
    expect(codes(r)).toEqual(["METADATA_MISSING"]);
    expect(unreadable(r)).toBe(true);
    expect(r.documents).toEqual([]);
  });

  it("METADATA.XML that is not an ebRIM SubmitObjectsRequest, or malformed", async () => {
    const files = await xdmFiles([LETTER]);
    files["IHE_XDM/SUBSET01/METADATA.XML"] = strToU8("<html><body>not metadata</body></html>");
    expect(codes(await read(zip(files)))).toEqual(["METADATA_NOT_EBRIM"]);
    files["IHE_XDM/SUBSET01/METADATA.XML"] = strToU8("<lcm:SubmitObjectsRequest><rim:RegistryObjectList>");
    expect(codes(await read(zip(files)))).toEqual(["XML_MALFORMED"]);
  });

  it("metadata without any document (the SubmissionSet still names the patient)", async () => {
    const files = await xdmFiles([]);
    const r = await read(zip(files));
    expect(r.patient.ins).toBe(TEST_INS);
    expect(codes(r)).toEqual(["METADATA_NO_DOCUMENT"]);
    expect(unreadable(r)).toBe(false);
  });
});

describe("XDM reader: hostile XML in METADATA.XML", () => {
  const withMetadata = async (xml: string) => {
    const files = await xdmFiles([LETTER]);
    files["IHE_XDM/SUBSET01/METADATA.XML"] = strToU8(xml);
    return read(zip(files));
  };

  it("billion laughs (internal entities) and an external entity: DOCTYPE refused", async () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`;
    expect(codes(await withMetadata(laughs))).toEqual(["XML_DOCTYPE"]);
    const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`;
    expect(codes(await withMetadata(xxe))).toEqual(["XML_DOCTYPE"]);
  });

  it("10,000 nested elements: refused quickly, no stack overflow; 100,000: too much markup", async () => {
    const t0 = Date.now();
    const r = await withMetadata(`<a>${"<b>".repeat(10_000)}${"</b>".repeat(10_000)}</a>`);
    expect(codes(r)).toEqual(["XML_TOO_DEEP"]);
    expect(codes(await withMetadata(`<a>${"<b>".repeat(100_000)}${"</b>".repeat(100_000)}</a>`))).toEqual(["XML_TOO_BIG"]);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("100,000 small ebRIM elements (2 MB): refused before parsing, which would take seconds and hundreds of MB", async () => {
    const slot = '<rim:Slot name="x"><rim:ValueList><rim:Value>v</rim:Value></rim:ValueList></rim:Slot>';
    const files = await xdmFiles([LETTER]);
    const xml = `<lcm:SubmitObjectsRequest><rim:RegistryObjectList>${slot.repeat(25_000)}</rim:RegistryObjectList></lcm:SubmitObjectsRequest>`;
    files["IHE_XDM/SUBSET01/METADATA.XML"] = [strToU8(xml), { level: 0 }]; // stored: a high ratio would be refused first
    const t0 = Date.now();
    const r = await read(zip(files));
    expect(codes(r)).toEqual(["XML_TOO_BIG"]);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("METADATA.XML over the XML size limit (stored, not compressed)", async () => {
    const files = await xdmFiles([LETTER]);
    const big = new Uint8Array(5 * 1024 * 1024).fill(0x20);
    big.set(strToU8("<a>"), 0);
    files["IHE_XDM/SUBSET01/METADATA.XML"] = [big, { level: 0 }];
    expect(codes(await read(zip(files)))).toEqual(["XML_TOO_BIG"]);
  });
});
