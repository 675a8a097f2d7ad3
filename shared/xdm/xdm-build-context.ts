/**
 * What the CDA and the metadata of one build share (pure): the checked input with its defaults,
 * the document type, the patient's identifier, the ids and the times, and HL7 v2 values (IHE ITI
 * TF-3 4.2.3: CX, XCN, XON, DTM) as XDS metadata write them.
 */
import type { DocumentType } from "./document-types.ts";
import type { XdmAuthorInput, XdmPatientInput } from "./xdm-build-input.ts";

/** The national identifiers' OIDs (ANS): persons (idNat of a professional), structures. */
export const IDNPS_OID = "1.2.250.1.71.4.2.1";
export const IDNST_OID = "1.2.250.1.71.4.2.2";

export interface FacilityType {
  code: string;
  codeSystem: string;
  label: string;
}

export interface XdmBuildContext {
  type: DocumentType;
  title: string;
  patient: XdmPatientInput;
  /** The identifier written as patientId: the INS with its OID, or the local id. */
  patientId: { id: string; oid: string };
  author: XdmAuthorInput;
  facility: FacilityType;
  /** The build's time (creation, submission) and the act's date (YYYY-MM-DD). */
  now: Date;
  actDate: string;
  ids: {
    /** OIDs: the document (CDA id and XDS uniqueId), its set (CDA setId), the SubmissionSet, the source. */
    document: string;
    documentSet: string;
    submissionSet: string;
    source: string;
    /** urn:uuid ids of the registry objects (entryUUID and the like). */
    entry: string;
    submission: string;
    association: string;
  };
  /** A fresh urn:uuid id for each classification and external identifier. */
  newId: () => string;
}

const trim = (s: string | null | undefined) => (s ?? "").trim();

export function cx(id: string, oid: string): string {
  return `${id}^^^&${oid}&ISO`;
}

/** HL7 DTM in UTC, to the second: YYYYMMDDhhmmss. */
export function dtm(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/** YYYY-MM-DD as HL7 YYYYMMDD. */
export function hl7Day(isoDate: string): string {
  return isoDate.replace(/-/g, "");
}

/** authorPerson (XCN), ANS's form: idNat^FAMILY^Given^^^prefix^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS. */
export function authorXcn(a: XdmAuthorInput): string {
  return `${trim(a.id)}^${trim(a.family)}^${trim(a.given)}^^^${trim(a.prefix)}^^^&${IDNPS_OID}&ISO^D^^^IDNPS`;
}

/** authorInstitution (XON): name^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^id, or null without a structure. */
export function institutionXon(a: XdmAuthorInput): string | null {
  const name = trim(a.organisationName);
  if (name === "") return null;
  const id = trim(a.organisationId);
  return id === "" ? name : `${name}^^^^^&${IDNST_OID}&ISO^IDNST^^^${id}`;
}
