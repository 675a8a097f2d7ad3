/**
 * The document types a GP can send (pure data, shipped with both programs): a subset of ANS's
 * JDV_J07-XdsTypeCode-CISIS (LOINC codes, ANS's French labels), with the class each belongs to.
 * The source and its date are in document-types.json.
 */
import data from "./document-types.json" with { type: "json" };

export interface DocumentType {
  code: string;
  codeSystem: string;
  codeSystemName: string;
  /** ANS's label (JDV_J07-XdsTypeCode-CISIS). */
  fr: string;
  en: string;
  classCode: string;
  classCodeSystem: string;
  classLabel: string;
}

const CLASSES: Record<string, string> = data.classes;

/** Every type of the subset, in the data's order. */
export function documentTypes(): DocumentType[] {
  return data.types.map((t) => ({
    code: t.code,
    codeSystem: data.codeSystem,
    codeSystemName: data.codeSystemName,
    fr: t.fr,
    en: t.en,
    classCode: t.classCode,
    classCodeSystem: data.classCodeSystem,
    classLabel: CLASSES[t.classCode] ?? t.classCode,
  }));
}

/** The type of a code, or null when the subset does not hold it. */
export function documentType(code: string): DocumentType | null {
  return documentTypes().find((t) => t.code === code.trim()) ?? null;
}
