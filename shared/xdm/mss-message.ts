/**
 * What a message carrying an XDM archive says about it (pure; docs/domain/referentiel-2.md,
 * "Messages"): its subject (ECO.2.1.3: `XDM/1.0/DDM+<libellé> <NOM> <prénom> <date de
 * naissance>`), the name of the PDF attached beside the archive (ECO.2.1.6:
 * `<date de l'acte>_<type>_<NOM>_<prénom>_<dossier>.pdf`), and the headers `X-MSS-CODECDA` (the
 * CDA codes, comma-separated, ECO.2.4.1) and `X-MSS-INS` (O when a qualified INS is in the XDM,
 * else N, ECO.2.4.2: a flag, never the identifier).
 */

export const XDM_SUBJECT_PREFIX = "XDM/1.0/DDM+";

/** DD/MM/YYYY from YYYY-MM-DD. */
function frenchDate(iso: string): string {
  const [y, m, d] = iso.split("-");
  return `${d}/${m}/${y}`;
}

export function xdmSubject(label: string, family: string, given: string, birthDate: string): string {
  return `${XDM_SUBJECT_PREFIX}${label.trim()} ${family.trim().toUpperCase()} ${given.trim()} ${frenchDate(birthDate.trim())}`;
}

/** A file-name part: accents removed, letters, digits and hyphens only (spaces and the rest become hyphens). */
function namePart(s: string): string {
  return s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * The PDF's name: YYYYMMDD (the act's date), the type code, NOM, prénom and the file number when
 * there is one, joined by `_`.
 */
export function xdmPdfName(actDate: string, typeCode: string, family: string, given: string, fileNumber?: string | null): string {
  const parts = [actDate.replace(/-/g, ""), namePart(typeCode), namePart(family).toUpperCase(), namePart(given)];
  const file = namePart(fileNumber ?? "");
  if (file !== "") parts.push(file);
  return `${parts.join("_")}.pdf`;
}

/** X-MSS-CODECDA and X-MSS-INS for the CDA codes of the archive and whether its INS is qualified. */
export function xdmHeaders(cdaCodes: string[], qualifiedIns: boolean): Record<string, string> {
  return { "X-MSS-CODECDA": [...new Set(cdaCodes.map((c) => c.trim()))].join(","), "X-MSS-INS": qualifiedIns ? "O" : "N" };
}
