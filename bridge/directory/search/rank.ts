/**
 * Ranking (pure). Each query token matches an entry with a code:
 *   0 the token is one of consecutive typed words that together spell the entry's whole surname
 *     (`le goff` for LE GOFF or LEGOFF, `de la roche` for DE LA ROCHE: search/phrases.ts),
 *   1 the whole surname exactly (`lefevre` = LEFÈVRE, `lefevremoreau` = LEFÈVRE-MOREAU),
 *   2 one of consecutive typed words that spell a compound given name (`marie helene` for
 *     Marie-Hélène; after a whole surname, so `jean philippe` lists JEAN Philippe first),
 *   3 one part of a compound surname exactly (`lefevre` in ANTOINE-LEFÈVRE or LEFÈVRE-MOREAU),
 *   4 surname as a prefix, 5 given name, 6 e-mail, 7 another field.
 * Rank class = min(code, 6) (e-mail and other fields rank alike). An entry's key is
 * (best class over tokens, sum of classes, entry id), and entry ids are assigned at build time in
 * the tie-break order: PER < ORG < APP < CAB, then surname, given name, e-mail by French collation.
 * A stopword that belongs to such typed words (`le`, `de`, `la`) is no condition of the search, but
 * adds its class to the sum (the worst class when it spells nothing of the entry), so `de la roche`
 * lists DE LA ROCHE before LA ROCHE. Without phrases the order is the one of codes 1 and 3–7 alone, as before phrases.
 * The offline index keeps code + 1 in the 4 low bits of its per-token maps (packed-index.ts):
 * codes must stay below 15.
 */
import type { StoredPlace } from "./entry.ts";
// The import's scanner (same tokens as normalize.ts tokenizeField, a test compares them), about
// three times faster: this runs for every place of every result shown.
import { fieldTokens } from "./field-tokens.ts";

export const Code = {
  SURNAME_PHRASE: 0,
  SURNAME_EXACT: 1,
  GIVEN_PHRASE: 2,
  SURNAME_PART: 3,
  SURNAME_PREFIX: 4,
  GIVEN: 5,
  EMAIL: 6,
  OTHER: 7,
} as const;

/** The worst rank class (e-mail and other fields). */
export const WORST_CLASS = 6;

const ID_SPACE = 2 ** 24; // up to 16M entries
/**
 * Room for the sum of classes in a rank key: (MAX_QUERY_TOKENS + MAX_PHRASE_STOPWORDS) × WORST_CLASS
 * must stay below it.
 */
export const SUM_SPACE = 128;

export function rankClass(code: number): number {
  return Math.min(code, WORST_CLASS);
}

export function rankKey(minClass: number, sumClass: number, id: number): number {
  return (minClass * SUM_SPACE + sumClass) * ID_SPACE + id;
}

export function idOfKey(key: number): number {
  return key % ID_SPACE;
}

/** The k smallest numbers seen, kept sorted; cheap rejection once full. */
export class TopK {
  readonly items: number[] = [];
  constructor(readonly k: number) {}
  get full(): boolean {
    return this.items.length >= this.k;
  }
  get worst(): number {
    return this.items.length ? this.items[this.items.length - 1]! : Infinity;
  }
  /**
   * Like offer, for rank keys: an entry already kept with a better key is not added twice, one
   * kept with a worse key is replaced. Returns true when the key was kept.
   */
  offerUnique(key: number, id: number): boolean {
    const a = this.items;
    if (a.length >= this.k && key >= a[a.length - 1]!) return false;
    for (let i = 0; i < a.length; i++) {
      if (idOfKey(a[i]!) === id) {
        if (a[i]! <= key) return false;
        a.splice(i, 1);
        break;
      }
    }
    return this.offer(key);
  }

  /** Returns false when `v` is not better than the current k-th. */
  offer(v: number): boolean {
    const a = this.items;
    if (a.length >= this.k && v >= a[a.length - 1]!) return false;
    let i = a.length;
    while (i > 0 && a[i - 1]! > v) i--;
    if (i > 0 && a[i - 1] === v) return true; // already there
    a.splice(i, 0, v);
    if (a.length > this.k) a.pop();
    return true;
  }
}

/** French collation used to order entries at build time. */
export const frenchCollator = new Intl.Collator("fr", { sensitivity: "variant", numeric: true });

/**
 * Which place to show at the top level: the first one whose fields match the most query tokens
 * (prefix semantics, same tokenisation as the index), else the first place.
 */
export function firstMatchedPlace(places: StoredPlace[], prefixesPerToken: string[][]): number {
  let best = 0;
  let bestCount = 0;
  places.forEach((p, i) => {
    const toks: string[] = [];
    for (const v of [p.organisation, p.city, p.postalCode, p.service, p.address, p.department]) {
      if (v) toks.push(...fieldTokens(v, false, false, true)); // st ↔ saint, as indexed
    }
    let count = 0;
    for (const prefixes of prefixesPerToken) {
      if (prefixes.some((pre) => toks.some((t) => t.startsWith(pre)))) count++;
    }
    if (count > bestCount) {
      best = i;
      bestCount = count;
    }
  });
  return best;
}
