/**
 * LDAP filters for the directory's search and lookups (pure). Every user-supplied value goes
 * through escapeFilterValue (RFC 4515); attribute names come from the validated mapping only.
 *
 * Search: the query's words are AND-ed; each word is a substring `(attr=*word*)` OR-ed over the
 * searched attributes. The server narrows, then the same prefix/accent-insensitive matching as the
 * offline index runs on the answers (ldap-match.ts). LDAP matching rules fold case but not accents
 * (OpenLDAP's caseIgnoreMatch), so the server is asked with the word as typed: `lefèvre` finds
 * `LEFÈVRE`, but `lefevre` does not reach an entry spelled `Lefèvre` through LDAP — the offline
 * index is the source that forgives missing accents.
 */
import { asciiDomainAddress } from "../../../shared/domain/address.ts";
import { foldText, MAX_QUERY_TOKENS, STOPWORDS } from "../search/normalize.ts";
import { SEARCHED_FIELDS, type AttributeMap } from "./attribute-map.ts";
import { escapeFilterValue } from "./escape.ts";

const WORD_SPLIT = /[\s,;:/()[\]{}"«».!?&+*=<>|@_#\\]+/u;
const PART_SPLIT = /[^\p{L}\p{N}]+/u;
// Both ways: a server value `ST ETIENNE` must reach `saint etienne` (the local match then checks
// words). A Map: a typed `constructor` must not find Object's prototype.
const EXPANSIONS: ReadonlyMap<string, string[]> = new Map([
  ["st", ["saint"]],
  ["ste", ["sainte"]],
  ["saint", ["st"]],
  ["sainte", ["ste"]],
]);
/** The same cap as the offline index's query (parseQuery), so both sources AND the same words. */
const MAX_WORDS = MAX_QUERY_TOKENS;

/**
 * The words sent to the server, with their alternatives: for `n'diaye` the longest part (`diaye`,
 * which `N'Diaye` contains), for `st` also `saint` and for `saint` also `st`. Stopwords are dropped
 * when other words remain.
 */
export function serverWords(query: string): string[][] {
  const words: string[][] = [];
  for (const raw of query.slice(0, 200).toLowerCase().split(WORD_SPLIT)) {
    const parts = raw.split(PART_SPLIT).filter((p) => p.length > 0);
    if (parts.length === 0) continue;
    const longest = parts.reduce((a, b) => (b.length > a.length ? b : a));
    const alts = [longest];
    const exp = parts.length === 1 ? EXPANSIONS.get(foldText(longest)) : undefined;
    if (exp) alts.push(...exp);
    words.push(alts);
  }
  const meaningful = words.filter((w) => !STOPWORDS.has(foldText(w[0]!)));
  const kept = meaningful.length > 0 ? meaningful : words;
  const seen = new Set<string>();
  return kept
    .filter((w) => {
      if (seen.has(w[0]!)) return false;
      seen.add(w[0]!);
      return true;
    })
    .slice(0, MAX_WORDS);
}

function isAscii(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s);
}

/** The search filter, or null when the query has nothing to search for. */
export function searchFilter(query: string, map: AttributeMap, objectFilter: string | null = null): string | null {
  const words = serverWords(query);
  if (words.length === 0) return null;
  const attrs = SEARCHED_FIELDS.map((f) => ({ field: f, attr: map[f] })).filter(
    (a): a is { field: typeof a.field; attr: string } => !!a.attr,
  );
  const clauses = words.map((alts) => {
    const parts: string[] = [];
    for (const { field, attr } of attrs) {
      for (const alt of alts) {
        // mail is IA5String: a non-ASCII assertion can never match it.
        if (field === "email" && !isAscii(alt)) continue;
        parts.push(`(${attr}=*${escapeFilterValue(alt)}*)`);
      }
    }
    return parts.length === 1 ? parts[0]! : `(|${parts.join("")})`;
  });
  if (objectFilter) clauses.unshift(objectFilter);
  return clauses.length === 1 ? clauses[0]! : `(&${clauses.join("")})`;
}

/** Every entry of a national identifier: idNat as given, and 8 + RPPS when an RPPS alone is given. */
export function idNatFilter(idNat: string, map: AttributeMap, objectFilter: string | null = null): string | null {
  if (!map.idNat) return null;
  const t = idNat.trim();
  const ids = [t];
  if (/^\d{11}$/.test(t)) ids.push(`8${t}`);
  const f =
    ids.length === 1
      ? `(${map.idNat}=${escapeFilterValue(ids[0]!)})`
      : `(|${ids.map((i) => `(${map.idNat}=${escapeFilterValue(i)})`).join("")})`;
  return objectFilter ? `(&${objectFilter}${f})` : f;
}

/**
 * The entries of one address (equality on the mail attribute, case-insensitive on the server). A
 * mail as LDAP holds it (IA5String): the domain in IDNA form, so Unicode domains can be compared.
 */
export function addressFilter(address: string, map: AttributeMap, objectFilter: string | null = null): string {
  const f = `(${map.email}=${escapeFilterValue(asciiDomainAddress(address))})`;
  return objectFilter ? `(&${objectFilter}${f})` : f;
}

/** The entries of several addresses (all their places). */
export function mailsFilter(addresses: string[], map: AttributeMap, objectFilter: string | null = null): string {
  const parts = addresses.map((a) => `(${map.email}=${escapeFilterValue(a)})`);
  const f = parts.length === 1 ? parts[0]! : `(|${parts.join("")})`;
  return objectFilter ? `(&${objectFilter}${f})` : f;
}
