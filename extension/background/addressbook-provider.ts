/**
 * The "Annuaire MSSanté" address book: a read-only, search-only book (addressBooks.provider) that
 * Thunderbird's autocomplete queries with the raw typed text. Each query goes to the bridge's
 * directory.search; entries become contacts in the bridge's ranking order (Thunderbird does not
 * re-sort), one per address.
 *
 * isCompleteResult is always false, so Thunderbird asks the bridge again at every keystroke (it
 * answers in about a millisecond). True would let Thunderbird filter later keystrokes itself, with
 * a plain lower-case substring test on the display name, first/last name and e-mail (no accent or
 * punctuation folding, no initials, re-sorted): `helene` then `helene l` would drop Hélène LEFÈVRE
 * (h.lefevre@…, display name "Hélène Lefèvre"), and anything found through another field (city,
 * specialty…), through the typo pass or beyond the result limit would be lost the same way.
 *
 * Live complement: when the offline answer is empty and the query has at least LIVE_MIN_QUERY
 * characters, the listener then asks `directory.searchLive` (docs/protocol.md §5): the bridge
 * debounces, caches and rate-limits it, and answers "off" when no FHIR API key is configured, or
 * "superseded" when a later keystroke replaced this query. The offline answer is never delayed:
 * this second call happens only after it came back empty. Live entries are marked in their notes.
 */
import type { DirectoryEntry } from "../../shared/domain/directory-entry.ts";
import { titleCase } from "../../shared/domain/title-case.ts";
import type { Result } from "../../shared/protocol/schemas.ts";
import type { BridgeCaller } from "./bridge-caller.ts";
import { contactVCard } from "./contact-vcard.ts";
import type { Messenger, ProviderContact, SearchRequestListener, SearchRequestReturn } from "./messenger-types.ts";

export const ADDRESS_BOOK_NAME = "Annuaire MSSanté";
/** Stable id of the book (URI searchaddr://<id> in Thunderbird). */
export const ADDRESS_BOOK_ID = "mssante-annuaire";
/**
 * Contacts per answer: two of Thunderbird's popup heights (its recipient fields show 6 rows,
 * `maxrows="6"`). Each contact costs Thunderbird's main thread a card and, past the first 6, a
 * later batch of rows while the GP types (docs/decisions.md: 20 → 12 took keystroke p95 from
 * about 62 to 52 ms); typing one more letter narrows the list at once.
 */
export const PROVIDER_LIMIT = 12;
export const PROVIDER_TIMEOUT_MS = 1500;
/** The bridge's default minimum for the live complement (it applies its own configured one too). */
export const LIVE_MIN_QUERY = 4;
/** Debounce, rate limit and the API's own time (the bridge's request timeout is 5 s by default). */
export const LIVE_TIMEOUT_MS = 8000;

const CIVILITY: Record<string, string> = { DR: "Dr", PR: "Pr", M: "M.", MR: "M.", MME: "Mme", MLLE: "Mlle" };

/** Civilité d'exercice of the extraction ("DR", "PR", "MME"…) as written before a name. */
export function civilityLabel(c: string | null): string | null {
  if (!c?.trim()) return null;
  const k = c.trim().toUpperCase().replace(/\.$/, "");
  return CIVILITY[k] ?? titleCase(c.trim());
}

/** "Dr Jean Dupont — Cardiologie, Lyon" for a person; the organisation's name for other mailboxes. */
export function displayNameOf(e: DirectoryEntry): string {
  let who: string;
  if (e.type === "PER" && (e.surname || e.givenName)) {
    const c = civilityLabel(e.civility);
    const civ = c ? `${c} ` : "";
    // The extraction writes many names in capitals: "HÉLÈNE LEFÈVRE-MOREAU" → "Hélène Lefèvre-Moreau".
    const soft = (n: string | null) => (n && n === n.toLocaleUpperCase("fr") ? titleCase(n) : n);
    who = `${civ}${[soft(e.givenName), soft(e.surname)].filter(Boolean).join(" ")}`.trim();
  } else {
    who = e.organisation || e.displayName || e.email;
  }
  const what = e.type === "PER" ? (e.specialty ?? e.profession) : e.service;
  const tail = [what && !who.includes(what) ? what : null, e.city ? titleCase(e.city) : null].filter(Boolean).join(", ");
  return tail ? `${who} — ${tail}` : who;
}

/** messenger.i18n.getMessage: the contact's notes are in the user's language (French by default). */
export type MessageFn = (name: string, substitutions?: string | string[]) => string;

export function entryToContact(e: DirectoryEntry, msg: MessageFn): ProviderContact {
  const p: Record<string, string> = { DisplayName: displayNameOf(e), PrimaryEmail: e.email };
  if (e.givenName) p.FirstName = e.givenName;
  if (e.surname) p.LastName = e.surname;
  if (e.organisation) p.Company = e.organisation;
  if (e.service) p.Department = e.service;
  if (e.city) p.WorkCity = e.city;
  if (e.postalCode) p.WorkZipCode = e.postalCode;
  if (e.profession || e.specialty) p.JobTitle = [e.profession, e.specialty].filter(Boolean).join(" — ");
  const places = e.places.map((pl) => [pl.organisation, pl.city].filter(Boolean).join(", "));
  const notes = [
    e.profession ? msg("contactNoteProfession", [e.profession]) : null,
    e.specialty ? msg("contactNoteSpecialty", [e.specialty]) : null,
    e.idNat ? msg("contactNoteIdNat", [e.idNat]) : null,
    places.length > 1 ? msg("contactNotePlaces", [places.join(msg("contactNotePlacesSeparator"))]) : null,
    msg("contactNoteMailbox", [e.type]),
    e.source === "live" ? msg("contactNoteLive") : null,
  ].filter(Boolean);
  p.Notes = notes.join("\n");
  return p;
}

/**
 * Pure: bridge answer → provider answer, order kept, one contact per address, never "complete"
 * (see above). Each contact is given as its vCard, which Thunderbird only parses (contact-vcard.ts).
 */
export function toProviderResult(r: Result<"directory.search"> | Result<"directory.searchLive">, msg: MessageFn): SearchRequestReturn {
  const seen = new Set<string>();
  const results: ProviderContact[] = [];
  for (const e of r.results) {
    const key = e.email.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    results.push({ vCard: contactVCard(entryToContact(e, msg)) });
  }
  return { results, isCompleteResult: false };
}

const EMPTY: SearchRequestReturn = { results: [], isCompleteResult: false };

export function createSearchListener(
  bridge: BridgeCaller,
  msg: MessageFn,
  opts: { limit?: number; timeoutMs?: number; liveTimeoutMs?: number } = {},
): SearchRequestListener {
  const limit = opts.limit ?? PROVIDER_LIMIT;
  const timeoutMs = opts.timeoutMs ?? PROVIDER_TIMEOUT_MS;
  return async (_node, searchString) => {
    const query = (searchString ?? "").trim().slice(0, 200);
    if (!query || !bridge.connected) return EMPTY;
    try {
      const r = await bridge.call("directory.search", { query, limit }, timeoutMs);
      if (r.results.length > 0 || query.replace(/\s+/g, "").length < LIVE_MIN_QUERY) return toProviderResult(r, msg);
      const live = await bridge.call("directory.searchLive", { query, limit }, opts.liveTimeoutMs ?? LIVE_TIMEOUT_MS);
      return toProviderResult(live, msg);
    } catch {
      return EMPTY;
    }
  };
}

/** Registers the book. Must run synchronously at the top level of the background script. */
export function registerAddressBook(m: Messenger, listener: SearchRequestListener): void {
  m.addressBooks.provider.onSearchRequest.addListener(listener, {
    addressBookName: ADDRESS_BOOK_NAME,
    isSecure: true,
    id: ADDRESS_BOOK_ID,
  });
}
