/**
 * What the XDM builder takes — a PDF, a document type, the patient's traits and the author — and
 * the reasons it refuses them, French then English (pure). A reason names the field, never its
 * value: no INS, no name, no date goes into a message.
 */
import { checkInsMatricule } from "../domain/ins-matricule.ts";
import { documentType } from "./document-types.ts";
import { INS_NIA_OID, INS_NIR_OID, insQualification } from "./ins.ts";
import { isOid } from "./uuid-oid.ts";
import { hasInvalidXmlChar } from "./xml-text.ts";
import { pdfEncrypted } from "./pdf-conformance.ts";

export interface XdmPatientInput {
  /** The INS matricule (NIR or NIA); may be absent for an identity that is not qualified. */
  ins?: string | null;
  /** INS-NIR 1.2.250.1.213.1.4.8, INS-NIA .9, or the test and demonstration OIDs .10 and .11. */
  insOid?: string | null;
  /** Whether the identity is qualified (INSi); an unqualified INS is never written. */
  qualified: boolean;
  /** The local identifier (IPP) and its OID, the patient's id when the identity is not qualified. */
  localId?: string | null;
  localOid?: string | null;
  /** Birth name, first given name of the birth certificate, YYYY-MM-DD, M / F / U. */
  family: string;
  given: string;
  birthDate: string;
  sex: string;
}

export interface XdmAuthorInput {
  /** The national identifier (idNat: 8 + RPPS, 0 + ADELI…) as the card gives it. */
  id: string;
  family: string;
  given: string;
  /** "Dr", "Pr"… (optional). */
  prefix?: string | null;
  /** The profession's label as the card gives it ("Médecin"; optional). */
  profession?: string | null;
  /** The structure: its name and its national id (3 + FINESS, 5 + SIRET…; optional). */
  organisationName?: string | null;
  organisationId?: string | null;
}

export interface XdmBuildInput {
  pdf: Uint8Array;
  typeCode: string;
  /** The document's title; default: the type's French label. */
  title?: string | null;
  /** The date of the act, YYYY-MM-DD; default: the build's date. */
  actDate?: string | null;
  patient: XdmPatientInput;
  author: XdmAuthorInput;
  /** The file (case) number the PDF's name ends with (ECO.2.1.6; optional). */
  fileNumber?: string | null;
  /** healthcareFacilityTypeCode (JDV_J02-XdsHealthcareFacilityTypeCode-CISIS); default SA07, "Cabinet individuel". */
  facilityTypeCode?: string | null;
}

export interface XdmBuildReason {
  code: string;
  fr: string;
  en: string;
}

const TRAITS: Record<string, [string, string]> = {
  family: ["nom de naissance", "birth name"],
  given: ["premier prénom de naissance", "first given name"],
  birthDate: ["date de naissance", "birth date"],
  sex: ["sexe", "sex"],
  "author.id": ["identifiant national de l'auteur (RPPS)", "the author's national id (RPPS)"],
  "author.family": ["nom de l'auteur", "the author's family name"],
  "author.given": ["prénom de l'auteur", "the author's given name"],
};

function reason(code: string, fr: string, en: string): XdmBuildReason {
  return { code, fr, en };
}

function missing(field: string): XdmBuildReason {
  const [fr, en] = TRAITS[field] ?? [field, field];
  return reason("TRAIT_MISSING", `trait manquant : ${fr}`, `missing trait: ${en}`);
}

const blank = (s: string | null | undefined) => s === undefined || s === null || s.trim() === "";

/** A calendar date YYYY-MM-DD that exists (1900 to 2199). */
export function isIsoDate(s: string): boolean {
  const m = /^(19|20|21)(\d{2})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function insReasons(p: XdmPatientInput): XdmBuildReason[] {
  if (!p.qualified) {
    // Never transmit an unqualified INS (ECO.2.2.6): the patient is named by a local id.
    if (blank(p.localId) || blank(p.localOid))
      return [
        reason(
          "LOCAL_ID_MISSING",
          "identité non qualifiée : l'INS ne peut être transmis, donnez l'identifiant local du patient et son OID (localId, localOid)",
          "identity not qualified: the INS cannot be sent; give the patient's local id and its OID (localId, localOid)",
        ),
      ];
    return isOid(p.localOid!.trim())
      ? []
      : [reason("LOCAL_OID_INVALID", "l'OID de l'identifiant local est invalide", "the local id's OID is invalid")];
  }
  if (blank(p.ins)) return [reason("TRAIT_MISSING", "trait manquant : matricule INS", "missing trait: INS matricule")];
  const oid = (p.insOid ?? "").trim();
  if (insQualification(oid) === false)
    return [
      reason(
        "INS_OID_INVALID",
        `l'OID de l'INS doit être celui de l'INS-NIR (${INS_NIR_OID}), de l'INS-NIA (${INS_NIA_OID}) ou un OID de test`,
        `the INS OID must be INS-NIR's (${INS_NIR_OID}), INS-NIA's (${INS_NIA_OID}) or a test one`,
      ),
    ];
  const checked = checkInsMatricule(p.ins!.trim());
  return checked.ok ? [] : [reason(checked.reason.code, checked.reason.fr, checked.reason.en)];
}

function patientReasons(p: XdmPatientInput): XdmBuildReason[] {
  const out: XdmBuildReason[] = [];
  for (const f of ["family", "given", "birthDate", "sex"] as const) if (blank(p[f])) out.push(missing(f));
  if (!blank(p.birthDate) && !isIsoDate(p.birthDate.trim()))
    out.push(reason("BIRTH_DATE_INVALID", "date de naissance invalide (AAAA-MM-JJ)", "invalid birth date (YYYY-MM-DD)"));
  if (!blank(p.sex) && !["M", "F", "U"].includes(p.sex.trim().toUpperCase()))
    out.push(reason("SEX_INVALID", "sexe invalide (M, F ou U)", "invalid sex (M, F or U)"));
  return [...out, ...insReasons(p)];
}

function authorReasons(a: XdmAuthorInput): XdmBuildReason[] {
  const out: XdmBuildReason[] = [];
  if (blank(a.id)) out.push(missing("author.id"));
  else if (!/^[0-9A-Za-z/]{1,40}$/.test(a.id.trim()))
    out.push(reason("AUTHOR_ID_INVALID", "identifiant national de l'auteur invalide", "invalid author national id"));
  if (blank(a.family)) out.push(missing("author.family"));
  if (blank(a.given)) out.push(missing("author.given"));
  return out;
}

function textReasons(input: XdmBuildInput): XdmBuildReason[] {
  const p = input.patient;
  const a = input.author;
  // Values written into HL7 v2 fields (CX, XCN, XON, PID) may not hold HL7's delimiters.
  const hl7 = [
    p.ins,
    p.localId,
    p.localOid,
    p.insOid,
    p.family,
    p.given,
    a.id,
    a.family,
    a.given,
    a.prefix,
    a.profession,
    a.organisationName,
    a.organisationId,
  ];
  const all = [...hl7, input.title, input.fileNumber];
  const out: XdmBuildReason[] = [];
  if (all.some((t) => typeof t === "string" && hasInvalidXmlChar(t)))
    out.push(reason("TEXT_INVALID", "un champ contient un caractère de contrôle", "a field holds a control character"));
  if (hl7.some((t) => typeof t === "string" && /[\^|&~]/.test(t)))
    out.push(
      reason(
        "TEXT_HL7_DELIMITER",
        "un nom ou un identifiant contient un caractère réservé (^ | & ~ \\)",
        "a name or an identifier holds a reserved character (^ | & ~ \\)",
      ),
    );
  if ((input.title ?? "").length > 200)
    out.push(reason("TITLE_TOO_LONG", "titre trop long (200 caractères au plus)", "title too long (200 characters at most)"));
  return out;
}

/** Every reason the input cannot be built; empty when it can. */
export function checkBuildInput(input: XdmBuildInput): XdmBuildReason[] {
  const out: XdmBuildReason[] = [];
  const pdf = input.pdf;
  if (!(pdf.length > 5 && pdf[0] === 0x25 && pdf[1] === 0x50 && pdf[2] === 0x44 && pdf[3] === 0x46 && pdf[4] === 0x2d))
    out.push(reason("PDF_INVALID", "le fichier n'est pas un PDF (%PDF-)", "the file is not a PDF (%PDF-)"));
  else if (pdfEncrypted(pdf))
    out.push(
      reason(
        "PDF_ENCRYPTED",
        "le PDF est chiffré ou protégé (mot de passe, restrictions) : un PDF/A ne peut pas l'être et le destinataire pourrait ne pas l'ouvrir ; enregistrez-le sans protection, en PDF/A si votre logiciel le permet",
        "the PDF is encrypted or protected (password, restrictions): a PDF/A cannot be, and the recipient may not open it; save it without protection, as PDF/A if your software can",
      ),
    );
  if (documentType(input.typeCode) === null)
    out.push(
      reason(
        "TYPE_UNKNOWN",
        "type de document inconnu (codes LOINC du jeu de valeurs JDV_J07 livrés)",
        "unknown document type (the LOINC codes of the shipped JDV_J07 subset)",
      ),
    );
  if (!blank(input.actDate) && !isIsoDate(input.actDate!.trim()))
    out.push(reason("ACT_DATE_INVALID", "date de l'acte invalide (AAAA-MM-JJ)", "invalid date of the act (YYYY-MM-DD)"));
  if (!blank(input.facilityTypeCode) && !/^[A-Z0-9_]{2,20}$/.test(input.facilityTypeCode!.trim()))
    out.push(reason("FACILITY_INVALID", "code de type de structure invalide", "invalid facility type code"));
  return [...out, ...patientReasons(input.patient), ...authorReasons(input.author), ...textReasons(input)];
}
