/**
 * Matching and ranking of LDAP answers with the offline index's rules (pure): every query token a
 * prefix of a word of some field (accent-, case- and punctuation-insensitive, st ↔ saint), a
 * one-character token (an initial) only of a name or e-mail word, all tokens must match; rank by
 * the best token match (whole surname exact, surname part exact, surname prefix, given name,
 * e-mail or other field), then the sum, then PER < ORG < APP < CAB, then surname, given name,
 * e-mail by French collation. Reuses bridge/directory/search (normalize, rank, entry) so both
 * sources agree. There is no typo-tolerant pass over LDAP (`fuzzy` is always false).
 */
import type { DirectoryEntry } from "../../../shared/domain/directory-entry.ts";
import { toDirectoryEntry, TYPE_ORDER } from "../search/entry.ts";
import { parseQuery, tokenizeField, wholeToken, type QueryToken } from "../search/normalize.ts";
import { Code, firstMatchedPlace, frenchCollator, rankClass } from "../search/rank.ts";
import type { MappedEntry } from "./attribute-map.ts";

export interface RankedOutcome {
  results: DirectoryEntry[];
  matchedOtherFields: boolean;
  fuzzy: false;
}

// Same tokenisation per field as the offline index (bridge/directory/index/build-index.ts).
function tokensOf(values: (string | null)[], joinAll = false, descriptive = false): string[] {
  const out: string[] = [];
  for (const v of values) if (v) out.push(...tokenizeField(v, joinAll, descriptive, descriptive));
  return out;
}

interface EntryTokens {
  /** The whole surname as one token ("" without a surname). */
  whole: string;
  surname: string[];
  given: string[];
  email: string[];
  other: string[];
}

/** The best match code of one token in one entry, or null when the token matches nothing. */
function matchCode(t: QueryToken, f: EntryTokens): number | null {
  const pre = (toks: string[]) => toks.some((w) => t.prefixes.some((p) => w.startsWith(p)));
  if (f.whole && t.prefixes.includes(f.whole)) return Code.SURNAME_EXACT;
  if (f.surname.some((w) => w !== f.whole && t.prefixes.includes(w))) return Code.SURNAME_PART;
  if (pre(f.surname)) return Code.SURNAME_PREFIX;
  if (pre(f.given)) return Code.GIVEN;
  if (pre(f.email)) return Code.EMAIL;
  if (!t.initial && pre(f.other)) return Code.OTHER;
  return null;
}

export interface RankedMatches {
  ranked: MappedEntry[];
  matchedOtherFields: boolean;
  /** Per query token, the prefixes it may match (for choosing the top-level place). */
  prefixesPerToken: string[][];
}

/** Filters `entries` to those matching every token of `query`, ranks them and keeps at most `limit`. */
export function rankMatches(entries: MappedEntry[], query: string, limit: number): RankedMatches {
  const tokens = parseQuery(query);
  if (tokens.length === 0) return { ranked: [], matchedOtherFields: false, prefixesPerToken: [] };
  const scored: { m: MappedEntry; min: number; sum: number }[] = [];
  let matchedOtherFields = false;
  for (const m of entries) {
    const e = m.stored;
    const fields: EntryTokens = {
      whole: e.surname ? wholeToken(e.surname) : "",
      surname: tokensOf([e.surname], true),
      given: tokensOf([e.givenName]),
      email: tokensOf([e.email.lastIndexOf("@") > 0 ? e.email.slice(0, e.email.lastIndexOf("@")) : e.email]),
      other: tokensOf(
        [e.profession, e.specialty, ...e.places.flatMap((p) => [p.organisation, p.service, p.city, p.postalCode, p.address, p.department])],
        false,
        true,
      ),
    };
    let min = Infinity;
    let sum = 0;
    let other = false;
    let ok = true;
    for (const t of tokens) {
      const c = matchCode(t, fields);
      if (c === null) {
        ok = false;
        break;
      }
      if (c === Code.OTHER) other = true;
      min = Math.min(min, rankClass(c));
      sum += rankClass(c);
    }
    if (!ok) continue;
    if (other) matchedOtherFields = true;
    scored.push({ m, min, sum });
  }
  const cmp = (a: string | null, b: string | null) => frenchCollator.compare(a ?? "", b ?? "");
  scored.sort(
    (a, b) =>
      a.min - b.min ||
      a.sum - b.sum ||
      TYPE_ORDER[a.m.stored.type] - TYPE_ORDER[b.m.stored.type] ||
      cmp(a.m.stored.surname, b.m.stored.surname) ||
      cmp(a.m.stored.givenName, b.m.stored.givenName) ||
      cmp(a.m.stored.email, b.m.stored.email),
  );
  return { ranked: scored.slice(0, limit).map((s) => s.m), matchedOtherFields, prefixesPerToken: tokens.map((t) => t.prefixes) };
}

/** rankMatches, then the protocol shape with the first matching place at the top level. */
export function matchAndRank(entries: MappedEntry[], query: string, limit: number): RankedOutcome {
  const r = rankMatches(entries, query, limit);
  return {
    results: r.ranked.map((m) => toEntry(m, firstMatchedPlace(m.stored.places, r.prefixesPerToken))),
    matchedOtherFields: r.matchedOtherFields,
    fuzzy: false,
  };
}

/** StoredEntry → DirectoryEntry like the offline index; the server's display name when ours would be just the address. */
export function toEntry(m: MappedEntry, placeIndex = 0): DirectoryEntry {
  const d = toDirectoryEntry(m.stored, placeIndex);
  if (d.displayName === d.email && m.serverDisplayName) d.displayName = m.serverDisplayName;
  return d;
}
