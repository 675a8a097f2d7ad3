/**
 * METADATA.XML of the XDM subset (pure): an ebRIM 3.0 SubmitObjectsRequest holding the
 * SubmissionSet (a RegistryPackage), one DocumentEntry (an ExtrinsicObject) and their HasMember
 * association, with the attributes of IHE ITI TF-3 4.2.3.2 (DocumentEntry) and 4.2.3.3
 * (SubmissionSet): slots, classifications and external identifiers by the schemes of TF-3
 * Table 4.2.5-1, codes from ANS's value sets. The order of child elements is rim.xsd's: Slot,
 * Name, Classification, ExternalIdentifier.
 */
import { XDS } from "./ebrim-metadata.ts";
import { authorXcn, cx, dtm, hl7Day, institutionXon, type XdmBuildContext } from "./xdm-build-context.ts";
import { xmlEscape as e } from "./xml-text.ts";

/** The schemes this builder writes besides the reader's (TF-3 Table 4.2.5-1). */
const SCHEMES = {
  classCode: "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
  confidentialityCode: "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f",
  formatCode: "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
  healthcareFacilityTypeCode: "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1",
  practiceSettingCode: "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead",
  documentUniqueId: "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab",
  submissionSetAuthor: "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d",
  contentTypeCode: "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500",
  submissionSetUniqueId: "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8",
  submissionSetSourceId: "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832",
  submissionSetNode: "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd",
  stableDocumentEntry: "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1",
} as const;

const CLASSIFICATION = "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification";
const EXTERNAL_ID = "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier";

function slot(name: string, values: string[]): string {
  return `<rim:Slot name="${e(name)}"><rim:ValueList>${values.map((v) => `<rim:Value>${e(v)}</rim:Value>`).join("")}</rim:ValueList></rim:Slot>`;
}

function name(value: string): string {
  return `<rim:Name><rim:LocalizedString xml:lang="fr-FR" value="${e(value)}"/></rim:Name>`;
}

interface Code {
  code: string;
  scheme: string;
  label: string;
}

/** A coded attribute: a Classification with nodeRepresentation, its codingScheme slot and its name. */
function coded(id: string, classificationScheme: string, object: string, c: Code): string {
  return (
    `<rim:Classification id="${e(id)}" objectType="${CLASSIFICATION}" classificationScheme="${classificationScheme}" classifiedObject="${e(object)}" nodeRepresentation="${e(c.code)}">` +
    `${slot("codingScheme", [c.scheme])}${name(c.label)}</rim:Classification>`
  );
}

function author(id: string, scheme: string, object: string, c: XdmBuildContext): string {
  const institution = institutionXon(c.author);
  const profession = (c.author.profession ?? "").trim();
  return [
    `<rim:Classification id="${e(id)}" objectType="${CLASSIFICATION}" classificationScheme="${scheme}" classifiedObject="${e(object)}" nodeRepresentation="">`,
    institution === null ? "" : slot("authorInstitution", [institution]),
    slot("authorPerson", [authorXcn(c.author)]),
    profession === "" ? "" : slot("authorRole", [profession]),
    "</rim:Classification>",
  ].join("");
}

function externalId(id: string, scheme: string, object: string, value: string, label: string): string {
  return `<rim:ExternalIdentifier id="${e(id)}" objectType="${EXTERNAL_ID}" identificationScheme="${scheme}" registryObject="${e(object)}" value="${e(value)}">${name(label)}</rim:ExternalIdentifier>`;
}

function sourcePatientInfo(c: XdmBuildContext): string[] {
  const p = c.patient;
  return [
    `PID-3|${cx(c.patientId.id, c.patientId.oid)}`,
    `PID-5|${p.family.trim()}^${p.given.trim()}^^^^^L`,
    `PID-7|${hl7Day(p.birthDate.trim())}`,
    `PID-8|${p.sex.trim().toUpperCase()}`,
  ];
}

function documentEntry(c: XdmBuildContext, cda: { size: number; sha1: string; uri: string }): string {
  const doc = c.ids.entry;
  const t = c.type;
  const patient = cx(c.patientId.id, c.patientId.oid);
  return [
    `<rim:ExtrinsicObject id="${e(doc)}" mimeType="text/xml" objectType="${SCHEMES.stableDocumentEntry}">`,
    slot("creationTime", [dtm(c.now)]),
    slot("hash", [cda.sha1]),
    slot("languageCode", ["fr-FR"]),
    slot("serviceStartTime", [hl7Day(c.actDate)]),
    slot("size", [String(cda.size)]),
    slot("sourcePatientId", [patient]),
    slot("sourcePatientInfo", sourcePatientInfo(c)),
    slot("URI", [cda.uri]),
    name(c.title),
    author(c.newId(), XDS.author, doc, c),
    coded(c.newId(), SCHEMES.classCode, doc, { code: t.classCode, scheme: t.classCodeSystem, label: t.classLabel }),
    coded(c.newId(), SCHEMES.confidentialityCode, doc, { code: "N", scheme: "2.16.840.1.113883.5.25", label: "Normal" }),
    coded(c.newId(), SCHEMES.formatCode, doc, {
      code: "urn:ihe:iti:xds-sd:pdf:2008",
      scheme: "1.3.6.1.4.1.19376.1.2.3",
      label: "Document à corps non structuré en PDF",
    }),
    coded(c.newId(), SCHEMES.healthcareFacilityTypeCode, doc, {
      code: c.facility.code,
      scheme: c.facility.codeSystem,
      label: c.facility.label,
    }),
    // JDV_J04-XdsPracticeSettingCode-CISIS: the code and its system are (unconfirmed), not read from the value set.
    coded(c.newId(), SCHEMES.practiceSettingCode, doc, { code: "AMBULATOIRE", scheme: "1.2.250.1.213.1.1.4.9", label: "Ambulatoire" }),
    coded(c.newId(), XDS.typeCode, doc, { code: t.code, scheme: t.codeSystem, label: t.fr }),
    externalId(c.newId(), XDS.documentPatientId, doc, patient, "XDSDocumentEntry.patientId"),
    externalId(c.newId(), SCHEMES.documentUniqueId, doc, c.ids.document, "XDSDocumentEntry.uniqueId"),
    "</rim:ExtrinsicObject>",
  ].join("\n");
}

function submissionSet(c: XdmBuildContext): string {
  const ss = c.ids.submission;
  const t = c.type;
  return [
    `<rim:RegistryPackage id="${e(ss)}" objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage">`,
    slot("submissionTime", [dtm(c.now)]),
    name(c.title),
    author(c.newId(), SCHEMES.submissionSetAuthor, ss, c),
    // The SubmissionSet's content type: the document's own type (one document per submission).
    coded(c.newId(), SCHEMES.contentTypeCode, ss, { code: t.code, scheme: t.codeSystem, label: t.fr }),
    `<rim:Classification id="${e(c.newId())}" objectType="${CLASSIFICATION}" classifiedObject="${e(ss)}" classificationNode="${SCHEMES.submissionSetNode}"/>`,
    externalId(c.newId(), SCHEMES.submissionSetUniqueId, ss, c.ids.submissionSet, "XDSSubmissionSet.uniqueId"),
    externalId(c.newId(), SCHEMES.submissionSetSourceId, ss, c.ids.source, "XDSSubmissionSet.sourceId"),
    externalId(c.newId(), XDS.submissionSetPatientId, ss, cx(c.patientId.id, c.patientId.oid), "XDSSubmissionSet.patientId"),
    "</rim:RegistryPackage>",
  ].join("\n");
}

export function buildMetadataXml(c: XdmBuildContext, cda: { size: number; sha1: string; uri: string }): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">',
    "<rim:RegistryObjectList>",
    submissionSet(c),
    documentEntry(c, cda),
    `<rim:Association id="${e(c.ids.association)}" objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Association" associationType="urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember" sourceObject="${e(c.ids.submission)}" targetObject="${e(c.ids.entry)}">`,
    slot("SubmissionSetStatus", ["Original"]),
    "</rim:Association>",
    "</rim:RegistryObjectList>",
    "</lcm:SubmitObjectsRequest>",
    "",
  ].join("\n");
}
