/**
 * A directory contact as the vCard 4.0 (RFC 6350) Thunderbird keeps for it (pure).
 *
 * Why a vCard and not the flat property map: for each result of an MV2 provider, Thunderbird 153
 * (ext-addressBook.js) turns a flat map into a vCard text (VCardProperties.fromPropertyMap, then
 * toVCard) and parses that text into a card; given `vCard`, it only parses. Both run on the main
 * thread of Thunderbird's parent process, up to PROVIDER_LIMIT cards per keystroke. Measured in
 * Thunderbird 153 with this file's kind of contact (10 properties, accents, a 4-line note): 0.24 ms
 * of the 0.38 ms per card was the first step (docs/decisions.md).
 *
 * The properties are those of Thunderbird's own mapping, written as it writes them: FN, EMAIL
 * (PREF=1), N (family; given), ORG (company; department), TITLE, ADR;TYPE=work (locality, postal
 * code), NOTE. Text is escaped as RFC 6350 §3.4 says (backslash, comma, semicolon, line break);
 * lines are not folded (folding is a SHOULD; Thunderbird's parser reads long lines).
 */
import type { ProviderContact } from "./messenger-types.ts";

/** Escapes one text value (RFC 6350 §3.4): `\` `,` `;` and line breaks. */
export function escapeVCardText(s: string): string {
  return s.replace(/[\\,;]/g, (c) => `\\${c}`).replace(/\r\n|\r|\n/g, "\\n");
}

/** The components of a structured value, escaped and joined by `;`; null when all are empty. */
function structured(...parts: (string | undefined)[]): string | null {
  return parts.some((p) => p) ? parts.map((p) => escapeVCardText(p ?? "")).join(";") : null;
}

/** The vCard of a flat contact (entryToContact's map): the same card in Thunderbird, one parse less. */
export function contactVCard(p: ProviderContact): string {
  const text = (v: string | undefined) => (v ? escapeVCardText(v) : null);
  const lines: [string, string | null][] = [
    ["FN", text(p.DisplayName)],
    ["EMAIL;PREF=1", text(p.PrimaryEmail)],
    ["N", structured(p.LastName, p.FirstName, "", "", "")],
    ["ORG", p.Department ? structured(p.Company, p.Department) : text(p.Company)],
    ["TITLE", text(p.JobTitle)],
    ["ADR;TYPE=work", structured("", "", "", p.WorkCity, "", p.WorkZipCode, "")],
    ["NOTE", text(p.Notes)],
  ];
  const body = lines.filter(([, v]) => v !== null).map(([k, v]) => `${k}:${v}`);
  return ["BEGIN:VCARD", "VERSION:4.0", ...body, "END:VCARD", ""].join("\r\n");
}
