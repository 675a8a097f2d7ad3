/**
 * Archives made by the XDM builder (shared/xdm/build-xdm.ts) against the official XML schemas with
 * xmllint: METADATA.XML against ebRIM 3.0 (OASIS ebXML RegRep 3.0 lcm.xsd / rim.xsd / rs.xsd, as
 * IHE XDS.b uses them), DOC0001.XML against HL7 CDA R2 (CDA.xsd, POCD_MT000040). Sources and
 * licences: test/fixtures/schemas/SOURCES.md. Each variant of the input is validated, and two
 * broken documents prove the schemas bite.
 */
import { strToU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { buildXdmArchive } from "../../shared/xdm/build-xdm.ts";
import type { XdmBuildInput } from "../../shared/xdm/xdm-build-input.ts";
import { missingComponents } from "../harness/require-component.ts";
import { xmllintValidate } from "../harness/xmllint.ts";

const skip = missingComponents("xdm-schemas", ["xmllint"]);

const PDF = strToU8("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
const BASE: XdmBuildInput = {
  pdf: PDF,
  typeCode: "11490-0",
  patient: {
    ins: "279035121518989",
    insOid: "1.2.250.1.213.1.4.8",
    qualified: true,
    family: "DURAND",
    given: "Marie",
    birthDate: "1979-03-12",
    sex: "F",
  },
  author: {
    id: "810002909371",
    family: "MARTIN",
    given: "Paul",
    prefix: "Dr",
    profession: "Médecin",
    organisationName: "Centre hospitalier de Test",
    organisationId: "3750000000",
  },
};

async function files(input: XdmBuildInput): Promise<{ metadata: string; cda: string }> {
  let n = 0;
  const r = await buildXdmArchive(input, {
    now: () => new Date("2024-01-15T10:30:00Z"),
    uuid: () => `6f1e2d3c-0000-4000-8000-${String(++n).padStart(12, "0")}`,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.reasons));
  const f = unzipSync(r.archive);
  const text = (name: string) => new TextDecoder().decode(f[`IHE_XDM/SUBSET01/${name}`]);
  return { metadata: text("METADATA.XML"), cda: text("DOC0001.XML") };
}

const VARIANTS: [string, XdmBuildInput][] = [
  ["qualified INS-NIR, with a structure", BASE],
  [
    "test INS OID, a Corsican INS",
    { ...BASE, patient: { ...BASE.patient, ins: "185052A00412356", insOid: "1.2.250.1.213.1.4.10", sex: "M" } },
  ],
  [
    "identity not qualified: a local id",
    { ...BASE, patient: { ...BASE.patient, qualified: false, ins: null, localId: "IPP-0042", localOid: "1.2.250.1.999.1.1" } },
  ],
  [
    "no structure, no prefix, a title with markup, another type",
    {
      ...BASE,
      typeCode: "34133-9",
      title: `Synthèse <"urgente"> & 'suivi'`,
      author: { id: "810002909371", family: "MARTIN", given: "Paul" },
    },
  ],
];

describe.skipIf(skip)("XDM builder output against the official schemas (xmllint)", () => {
  for (const [name, input] of VARIANTS) {
    it(`${name}: METADATA.XML is valid ebRIM 3.0, DOC0001.XML valid CDA R2`, async () => {
      const { metadata, cda } = await files(input);
      const m = xmllintValidate(metadata, "ebrim");
      expect(m.valid, m.output).toBe(true);
      const c = xmllintValidate(cda, "cda");
      expect(c.valid, c.output).toBe(true);
    });
  }

  it("the schemas refuse a broken document (an element out of order, a required one missing)", async () => {
    const { metadata, cda } = await files(BASE);
    // rim.xsd: a RegistryObject's Name comes after its Slots.
    const nameFirst = metadata.replace(
      /(<rim:RegistryPackage [^>]*>)\n(<rim:Slot .*?<\/rim:Slot>)\n(<rim:Name>.*?<\/rim:Name>)/,
      "$1\n$3\n$2",
    );
    expect(nameFirst).not.toBe(metadata);
    expect(xmllintValidate(nameFirst, "ebrim").valid).toBe(false);
    // POCD_MT000040: custodian is required.
    const noCustodian = cda.replace(/<custodian>.*?<\/custodian>\n/, "");
    expect(noCustodian).not.toBe(cda);
    expect(xmllintValidate(noCustodian, "cda").valid).toBe(false);
  });
});
