/**
 * A message's author as Thunderbird gives it (`"Dr Jean Dupont" <jean.dupont@…>`, a bare address,
 * `=?UTF-8?…?=` already decoded by Thunderbird) → display name and normalised address. Pure.
 */
import { normalizeTypedAddress } from "../../../shared/domain/address.ts";

export interface MessageAuthor {
  /** The display name, unquoted, or null. */
  name: string | null;
  /** Lower-cased local part @ ASCII domain, or null when none can be read. */
  address: string | null;
  domain: string | null;
}

export function messageAuthor(author: string | null | undefined): MessageAuthor {
  const raw = (author ?? "").trim();
  const angle = /^(.*)<([^<>]+)>\s*$/.exec(raw);
  const addrText = angle ? angle[2]!.trim() : raw;
  let name = angle ? angle[1]!.trim() : "";
  if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) name = name.slice(1, -1).replace(/\\(.)/g, "$1");
  const n = normalizeTypedAddress(addrText);
  return { name: name || null, address: n?.address ?? null, domain: n?.domain ?? null };
}
