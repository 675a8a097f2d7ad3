/**
 * The extraction's header, read by column name in any order (pure).
 * Columns we use are required; the other known columns are only warned about when missing;
 * unknown extra columns are ignored.
 */
import { foldText } from "../search/normalize.ts";

/** What we read from a line → the column's name in the national extraction. */
export const USED_COLUMNS = {
  type: "Type de BAL",
  email: "Adresse BAL",
  idNat: "Identification nationale PP",
  service: "Service de rattachement",
  civility: "Civilité d'exercice",
  surname: "Nom d'exercice",
  givenName: "Prénom d'exercice",
  profession: "Libellé Profession",
  specialty: "Libellé savoir-faire",
  organisation: "Raison Sociale structure BAL",
  streetType: "NL4TYPEVOIE structure BAL",
  streetName: "L4LIBELLEVOIE structure BAL",
  cityLine: "L6LIGNEACHEMINEMENT structure BAL",
  postalCode: "Code postal structure BAL",
  department: "Département structure BAL",
} as const;

export type UsedColumn = keyof typeof USED_COLUMNS;

/** The 31 columns of the extraction, in the published order. */
export const ALL_COLUMNS = [
  "Type de BAL",
  "Adresse BAL",
  "Type Identifiant PP",
  "Identifiant PP",
  "Identification nationale PP",
  "Type identifiant structure",
  "Identification Structure",
  "Service de rattachement",
  "Civilité d'exercice",
  "Nom d'exercice",
  "Prénom d'exercice",
  "Catégorie profession",
  "Libellé de catégorie profession",
  "Code Profession",
  "Libellé Profession",
  "Code savoir-faire",
  "Libellé savoir-faire",
  "Dématérialisation",
  "Raison Sociale structure BAL",
  "Enseigne commerciale structure BAL",
  "L2COMPLEMENTLOCALISATION structure BAL",
  "L3COMPLEMENTDISTRIBUTION structure BAL",
  "L4NUMEROVOIE structure BAL",
  "L4COMPLEMENTNUMEROVOIE structure BAL",
  "NL4TYPEVOIE structure BAL",
  "L4LIBELLEVOIE structure BAL",
  "L5LIEUDITMENTION structure BAL",
  "L6LIGNEACHEMINEMENT structure BAL",
  "Code postal structure BAL",
  "Département structure BAL",
  "Pays structure BAL",
] as const;

/** Column names compared without case, accents, spacing or apostrophe variants. */
export function columnKey(name: string): string {
  return foldText(name.replace(/^\uFEFF/, "")).replace(/[’'`\s_-]+/g, "");
}

export interface HeaderMap {
  /** Index of each used column in a line. */
  index: Record<UsedColumn, number>;
  columnCount: number;
  warnings: string[];
}

export class HeaderError extends Error {}

export function readHeader(line: string): HeaderMap {
  const names = line.split("|").map((n) => n.trim());
  if (names.length < 2) {
    throw new HeaderError(
      "The first line is not the extraction's header (expected '|'-separated column names such as 'Type de BAL|Adresse BAL|…'). Check that the file is an Extraction_Correspondance_MSSante file.",
    );
  }
  const byKey = new Map<string, number>();
  names.forEach((n, i) => {
    const k = columnKey(n);
    if (!byKey.has(k)) byKey.set(k, i);
  });
  const index = {} as Record<UsedColumn, number>;
  const missing: string[] = [];
  for (const [field, col] of Object.entries(USED_COLUMNS) as [UsedColumn, string][]) {
    const i = byKey.get(columnKey(col));
    if (i === undefined) missing.push(col);
    else index[field] = i;
  }
  if (missing.length) {
    throw new HeaderError(
      `Required column(s) missing from the header: ${missing.map((m) => `"${m}"`).join(", ")}. The file is not a complete MSSanté extraction; download it again from the official source.`,
    );
  }
  const used = new Set(Object.values(USED_COLUMNS).map(columnKey));
  const warnings = ALL_COLUMNS.filter((c) => !used.has(columnKey(c)) && !byKey.has(columnKey(c))).map(
    (c) => `Column "${c}" is missing (not used by the search).`,
  );
  return { index, columnCount: names.length, warnings };
}
