/**
 * DOC0001.XML: a CDA R2 "N1" document (ANS CI-SIS, "Volet Structuration minimale": the CDA header
 * and a non-structured body, the PDF in base64 in `nonXMLBody`), written as text with every value
 * escaped (pure). The element order is POCD_MT000040's (HL7 CDA R2 schema).
 */
import { encodeBase64 } from "./base64.ts";
import { hl7Day, IDNPS_OID, IDNST_OID, type XdmBuildContext } from "./xdm-build-context.ts";
import { xmlEscape as e } from "./xml-text.ts";

/** HL7 TS with its zone: YYYYMMDDhhmmss+0000. */
function ts(d: Date): string {
  return `${d.toISOString().replace(/[-:T]/g, "").slice(0, 14)}+0000`;
}

function personName(prefix: string | null | undefined, given: string, family: string, birthName: boolean): string {
  const p = (prefix ?? "").trim();
  return `<name>${p ? `<prefix>${e(p)}</prefix>` : ""}<given>${e(given.trim())}</given><family${birthName ? ' qualifier="BR"' : ""}>${e(family.trim())}</family></name>`;
}

function recordTarget(c: XdmBuildContext): string {
  const p = c.patient;
  return [
    "<recordTarget><patientRole>",
    `<id root="${e(c.patientId.oid)}" extension="${e(c.patientId.id)}"/>`,
    "<patient>",
    personName(null, p.given, p.family, true),
    `<administrativeGenderCode code="${e(p.sex.trim().toUpperCase())}" codeSystem="2.16.840.1.113883.5.1"/>`,
    `<birthTime value="${hl7Day(p.birthDate.trim())}"/>`,
    "</patient></patientRole></recordTarget>",
  ].join("");
}

function organisation(c: XdmBuildContext, element: string): string {
  const a = c.author;
  const name = (a.organisationName ?? "").trim();
  const id = (a.organisationId ?? "").trim();
  // A professional without a structure keeps the document: the custodian is then named by their idNat.
  const idXml = id ? `<id root="${IDNST_OID}" extension="${e(id)}"/>` : `<id root="${IDNPS_OID}" extension="${e(a.id.trim())}"/>`;
  return `<${element}>${idXml}${name ? `<name>${e(name)}</name>` : ""}</${element}>`;
}

function author(c: XdmBuildContext): string {
  const a = c.author;
  const hasOrg = (a.organisationName ?? "").trim() !== "" || (a.organisationId ?? "").trim() !== "";
  return [
    `<author><time value="${ts(c.now)}"/><assignedAuthor>`,
    `<id root="${IDNPS_OID}" extension="${e(a.id.trim())}"/>`,
    `<assignedPerson>${personName(a.prefix, a.given, a.family, false)}</assignedPerson>`,
    hasOrg ? organisation(c, "representedOrganization") : "",
    "</assignedAuthor></author>",
  ].join("");
}

function lines(b64: string): string {
  const out: string[] = [];
  for (let i = 0; i < b64.length; i += 76) out.push(b64.slice(i, i + 76));
  return out.join("\n");
}

export function buildCdaN1(c: XdmBuildContext, pdf: Uint8Array): string {
  const t = c.type;
  const day = hl7Day(c.actDate);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ClinicalDocument xmlns="urn:hl7-org:v3">',
    '<realmCode code="FR"/>',
    '<typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>',
    // CI-SIS header, IHE XDS-SD (a scanned or PDF document wrapped in CDA).
    '<templateId root="1.2.250.1.213.1.1.1.1"/>',
    '<templateId root="1.3.6.1.4.1.19376.1.2.20"/>',
    `<id root="${e(c.ids.document)}"/>`,
    `<code code="${e(t.code)}" codeSystem="${e(t.codeSystem)}" codeSystemName="${e(t.codeSystemName)}" displayName="${e(t.fr)}"/>`,
    `<title>${e(c.title)}</title>`,
    `<effectiveTime value="${ts(c.now)}"/>`,
    '<confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25" displayName="Normal"/>',
    '<languageCode code="fr-FR"/>',
    `<setId root="${e(c.ids.documentSet)}"/>`,
    '<versionNumber value="1"/>',
    recordTarget(c),
    author(c),
    `<custodian><assignedCustodian>${organisation(c, "representedCustodianOrganization")}</assignedCustodian></custodian>`,
    `<documentationOf><serviceEvent><effectiveTime><low value="${day}"/></effectiveTime></serviceEvent></documentationOf>`,
    "<componentOf><encompassingEncounter>",
    `<effectiveTime><low value="${day}"/></effectiveTime>`,
    `<location><healthCareFacility><code code="${e(c.facility.code)}" codeSystem="${e(c.facility.codeSystem)}" displayName="${e(c.facility.label)}"/></healthCareFacility></location>`,
    "</encompassingEncounter></componentOf>",
    '<component><nonXMLBody><text mediaType="application/pdf" representation="B64">',
    lines(encodeBase64(pdf)),
    "</text></nonXMLBody></component>",
    "</ClinicalDocument>",
    "",
  ].join("\n");
}
