/**
 * What the XDM and CDA readers can find wrong, each with a stable code and a message for people,
 * French then English. A problem may name a field or a file of the archive, never a value read
 * from it: no INS, no name, no birth date ever goes into a message.
 */

export interface XdmProblem {
  code: XdmProblemCode;
  /** True when the archive (or the document) cannot be read at all: the command line exits 3. */
  fatal: boolean;
  fr: string;
  en: string;
  /** The archive entry concerned, when there is one (a path inside the archive, not a value). */
  file?: string;
}

const CATALOGUE = {
  ZIP_UNREADABLE: [true, "L'archive n'est pas un ZIP lisible", "The archive is not a readable ZIP file"],
  ZIP_TOO_BIG: [true, "L'archive dépasse la taille admise", "The archive is larger than allowed"],
  ZIP_TOO_MANY_ENTRIES: [true, "L'archive contient trop de fichiers", "The archive holds too many files"],
  ZIP_UNSUPPORTED: [
    true,
    "Format de ZIP non pris en charge (chiffré, ZIP64 ou compression inconnue)",
    "Unsupported ZIP feature (encryption, ZIP64 or an unknown compression)",
  ],
  ZIP_UNSAFE_PATH: [
    true,
    "Un fichier de l'archive a un chemin dangereux (../, absolu ou \\)",
    "An archive entry has an unsafe path (../, absolute or \\)",
  ],
  ZIP_DUPLICATE: [true, "Deux fichiers de l'archive portent le même nom", "Two archive entries have the same name"],
  ZIP_ENTRY_TOO_BIG: [
    true,
    "Un fichier de l'archive dépasse la taille admise une fois décompressé",
    "An archive entry is larger than allowed once inflated",
  ],
  ZIP_TOTAL_TOO_BIG: [
    true,
    "L'archive décompressée dépasse la taille admise (bombe ZIP ?)",
    "The inflated archive is larger than allowed (a ZIP bomb?)",
  ],
  ZIP_RATIO: [true, "Taux de compression anormal (bombe ZIP ?)", "Abnormal compression ratio (a ZIP bomb?)"],
  ZIP_SIZE_MISMATCH: [
    true,
    "La taille décompressée d'un fichier ne correspond pas à celle annoncée (bombe ZIP ?)",
    "An entry's inflated size differs from its declared size (a ZIP bomb?)",
  ],
  ZIP_CORRUPT_ENTRY: [true, "Un fichier de l'archive est corrompu", "An archive entry is corrupt"],
  METADATA_MISSING: [true, "Pas de IHE_XDM/SUBSETxx/METADATA.XML dans l'archive", "No IHE_XDM/SUBSETxx/METADATA.XML in the archive"],
  XML_TOO_BIG: [true, "Document XML trop volumineux", "XML document too large"],
  XML_DOCTYPE: [
    true,
    "Déclaration DOCTYPE ou ENTITY refusée dans un document XML",
    "DOCTYPE or ENTITY declaration refused in an XML document",
  ],
  XML_TOO_DEEP: [true, "Document XML trop profondément imbriqué", "XML document nested too deeply"],
  XML_MALFORMED: [true, "Document XML mal formé", "Malformed XML document"],
  METADATA_NOT_EBRIM: [
    true,
    "METADATA.XML n'est pas une soumission ebRIM (SubmitObjectsRequest)",
    "METADATA.XML is not an ebRIM submission (SubmitObjectsRequest)",
  ],
  METADATA_NO_DOCUMENT: [false, "METADATA.XML ne décrit aucun document", "METADATA.XML describes no document"],
  PATIENT_MISSING: [
    false,
    "Identifiant du patient (patientId) absent des métadonnées",
    "The patient identifier (patientId) is missing from the metadata",
  ],
  PATIENT_CONTRADICTORY: [
    false,
    "Les métadonnées donnent plusieurs identifiants de patient différents",
    "The metadata give several different patient identifiers",
  ],
  INS_NOT_QUALIFIED: [
    false,
    "L'identifiant du patient n'est pas un INS qualifié (OID ni INS-NIR ni INS-NIA)",
    "The patient identifier is not a qualified INS (its OID is neither INS-NIR nor INS-NIA)",
  ],
  INS_TEST: [false, "L'INS du patient porte un OID de test ou de démonstration", "The patient's INS carries a test or demonstration OID"],
  INS_HEADER_CONTRADICTION: [
    false,
    "L'en-tête X-MSS-INS contredit l'INS trouvé dans l'archive",
    "The X-MSS-INS header contradicts the INS found in the archive",
  ],
  INS_HEADER_INVALID: [false, "L'en-tête X-MSS-INS ne vaut ni O ni N", "The X-MSS-INS header is neither O nor N"],
  DOCUMENT_NO_URI: [false, "Un document des métadonnées n'indique pas son fichier (URI)", "A document of the metadata names no file (URI)"],
  DOCUMENT_UNSAFE_URI: [
    false,
    "Un document des métadonnées pointe hors de son dossier",
    "A document of the metadata points outside its folder",
  ],
  DOCUMENT_FILE_MISSING: [
    false,
    "Un document des métadonnées est absent de l'archive",
    "A document named by the metadata is missing from the archive",
  ],
  DOCUMENT_SIZE_MISMATCH: [
    false,
    "La taille d'un document ne correspond pas aux métadonnées",
    "A document's size differs from the metadata",
  ],
  DOCUMENT_HASH_MISMATCH: [
    false,
    "L'empreinte SHA-1 d'un document ne correspond pas aux métadonnées",
    "A document's SHA-1 hash differs from the metadata",
  ],
  CDA_NOT_CDA: [
    true,
    "Le document n'est pas un CDA R2 (urn:hl7-org:v3 ClinicalDocument)",
    "The document is not a CDA R2 (urn:hl7-org:v3 ClinicalDocument)",
  ],
  CDA_NO_BODY: [true, "Le CDA n'a ni corps structuré ni corps non structuré", "The CDA has neither a structured nor a non-XML body"],
  CDA_BAD_BASE64: [true, "Le contenu base64 du CDA est invalide", "The CDA's base64 content is invalid"],
  UNEXPECTED: [true, "Lecture impossible (erreur inattendue)", "Cannot be read (unexpected error)"],
  CDA_NOT_PDF: [false, "Le corps non structuré du CDA n'est pas un PDF", "The CDA's non-XML body is not a PDF"],
} as const satisfies Record<string, readonly [boolean, string, string]>;

export type XdmProblemCode = keyof typeof CATALOGUE;

export function xdmProblem(code: XdmProblemCode, file?: string): XdmProblem {
  const [fatal, fr, en] = CATALOGUE[code];
  return file === undefined ? { code, fatal, fr, en } : { code, fatal, fr, en, file };
}

/** Thrown inside the readers and turned into a problem at their edge: never escapes them. */
export class XdmFailure extends Error {
  constructor(readonly problem: XdmProblem) {
    super(problem.en);
    this.name = "XdmFailure";
  }
}

export function fail(code: XdmProblemCode, file?: string): never {
  throw new XdmFailure(xdmProblem(code, file));
}
