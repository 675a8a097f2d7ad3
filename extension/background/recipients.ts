/**
 * Recipient strings as compose details give them ("Dr Jean Dupont <jean.dupont@x.mssante.fr>",
 * "\"Dupont, Jean\" <j@x>", a bare address, or several separated by commas) → addresses.
 * Pure, no I/O.
 */
import { normalizeTypedAddress } from "../../shared/domain/address.ts";

export interface ParsedRecipient {
  /** The text as it appeared (one recipient). */
  raw: string;
  /** Lower-cased local part @ ASCII (IDNA) domain, or null when no address could be read. */
  address: string | null;
  domain: string | null;
}

/** Splits on commas and semicolons that are outside quotes and angle brackets. */
export function splitRecipientList(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  let angle = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\" && quoted && i + 1 < s.length) {
      cur += c + s[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === "<") angle++;
    else if (!quoted && c === ">" && angle > 0) angle--;
    if ((c === "," || c === ";") && !quoted && angle === 0) {
      if (cur.trim()) out.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export function parseRecipient(raw: string): ParsedRecipient {
  const text = raw.trim();
  const m = /<([^<>]*)>\s*$/.exec(text);
  const candidate = m ? m[1]! : text.replace(/^mailto:/i, "");
  const n = normalizeTypedAddress(candidate);
  return { raw: text, address: n?.address ?? null, domain: n?.domain ?? null };
}

/** Compose details give a string or an array of strings (contact / list objects are not read). */
export function recipientsOf(field: unknown): ParsedRecipient[] {
  const items: unknown[] = Array.isArray(field) ? field : field == null || field === "" ? [] : [field];
  const out: ParsedRecipient[] = [];
  for (const it of items) {
    if (typeof it === "string") {
      for (const one of splitRecipientList(it)) out.push(parseRecipient(one));
    } else {
      // {id, type: "contact" | "mailingList"}: we cannot see the address; the guard treats it as unreadable.
      out.push({ raw: "[contact]", address: null, domain: null });
    }
  }
  return out;
}
