/**
 * METADATA.XML of an XDM subset, read from its XML tree (pure): an ebRIM 3.0 SubmitObjectsRequest
 * (IHE ITI TF-3 4.2.2.1, 4.2.3; ANS CI-SIS "Volet de transmission de documents") holding one
 * RegistryPackage (the SubmissionSet) and one ExtrinsicObject per document (DocumentEntry).
 */
import { fail } from "./xdm-problems.ts";
import { childElement, childElements, descendants, textOf, type XmlElement } from "./xml-tree.ts";

/** Classification and identification schemes of XDS (IHE ITI TF-3 Table 4.2.5-1). */
export const XDS = {
  typeCode: "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983",
  author: "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d",
  documentPatientId: "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427",
  submissionSetPatientId: "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446",
} as const;

export interface EntryMetadata {
  uri: string | null;
  typeCode: string | null;
  typeLabel: string | null;
  title: string | null;
  author: string | null;
  organisation: string | null;
  date: string | null;
  mimeType: string | null;
  size: number | null;
  hash: string | null;
  /** Raw CX values: never shown or logged as such. */
  patientId: string | null;
  sourcePatientId: string | null;
  sourcePatientInfo: string[];
}

export interface SubsetMetadata {
  submissionSetPatientId: string | null;
  entries: EntryMetadata[];
}

function nonEmpty(s: string | undefined | null): string | null {
  const t = (s ?? "").trim();
  return t === "" ? null : t;
}

function slotValues(el: XmlElement, name: string): string[] {
  const slot = childElements(el, "Slot").find((s) => s.attrs.name === name);
  if (!slot) return [];
  return childElements(slot, "ValueList").flatMap((vl) => childElements(vl, "Value").map((v) => textOf(v)));
}

function slotValue(el: XmlElement, name: string): string | null {
  return nonEmpty(slotValues(el, name)[0]);
}

function localizedName(el: XmlElement | undefined): string | null {
  const name = el && childElement(el, "Name");
  const ls = name && childElement(name, "LocalizedString");
  return nonEmpty(ls?.attrs.value);
}

function classification(el: XmlElement, scheme: string): XmlElement | undefined {
  return childElements(el, "Classification").find((c) => c.attrs.classificationScheme === scheme);
}

function externalId(el: XmlElement, scheme: string): string | null {
  const ei = childElements(el, "ExternalIdentifier").find((e) => e.attrs.identificationScheme === scheme);
  return nonEmpty(ei?.attrs.value);
}

/** An XCN (`id^family^given^middle^suffix^prefix…`) as a name to show: "Dr Jean DUPONT", or its id. */
export function personName(xcn: string | null): string | null {
  if (xcn === null) return null;
  const p = xcn.split("^").map((x) => x.trim());
  const name = [p[5], p[2], p[3], p[1]].filter((x) => x).join(" ");
  return nonEmpty(name) ?? nonEmpty(p[0]?.split("&")[0]);
}

/** An XON's organisation name (its first component). */
function organisationName(xon: string | null): string | null {
  return xon === null ? null : nonEmpty(xon.split("^")[0]);
}

/** An HL7 DTM (`YYYY[MM[DD[HH[MM[SS]]]]]`, UTC in XDS) as ISO 8601; null when it is not one. */
export function hl7Date(dtm: string | null): string | null {
  const m = dtm === null ? null : /^(\d{4})(\d{2})?(\d{2})?(?:(\d{2})(\d{2})?(\d{2})?)?/.exec(dtm.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const day = [y, mo, d].filter((x) => x !== undefined).join("-");
  return h === undefined ? day : `${day}T${h}:${mi ?? "00"}:${s ?? "00"}Z`;
}

function readEntry(eo: XmlElement): EntryMetadata {
  const type = classification(eo, XDS.typeCode);
  const author = classification(eo, XDS.author);
  const size = slotValue(eo, "size");
  return {
    uri: slotValue(eo, "URI"),
    typeCode: nonEmpty(type?.attrs.nodeRepresentation),
    typeLabel: localizedName(type),
    title: localizedName(eo),
    author: personName(author ? slotValue(author, "authorPerson") : null),
    organisation: organisationName(author ? slotValue(author, "authorInstitution") : null),
    date: hl7Date(slotValue(eo, "creationTime")),
    mimeType: nonEmpty(eo.attrs.mimeType),
    size: size !== null && /^\d{1,15}$/.test(size) ? Number(size) : null,
    hash: slotValue(eo, "hash")?.toLowerCase() ?? null,
    patientId: externalId(eo, XDS.documentPatientId),
    sourcePatientId: slotValue(eo, "sourcePatientId"),
    sourcePatientInfo: slotValues(eo, "sourcePatientInfo"),
  };
}

export function readSubsetMetadata(root: XmlElement, file: string): SubsetMetadata {
  if (root.name !== "SubmitObjectsRequest") fail("METADATA_NOT_EBRIM", file);
  const list = childElement(root, "RegistryObjectList") ?? fail("METADATA_NOT_EBRIM", file);
  const set = childElements(list, "RegistryPackage").find((p) => externalId(p, XDS.submissionSetPatientId) !== null);
  return {
    submissionSetPatientId: set ? externalId(set, XDS.submissionSetPatientId) : null,
    entries: descendants(list, "ExtrinsicObject").map(readEntry),
  };
}
