/**
 * Text normalisation and tokenisation for the directory search (pure, no I/O).
 * The same functions run when the index is built and when a query is typed, so both sides agree.
 */

/** Lower case, no accents, ligatures expanded: "LEFÈVRE" → "lefevre", "Œuvre" → "oeuvre". */
export function foldText(s: string): string {
  let out = s.toLowerCase();
  // Fast path: plain ASCII needs no decomposition.
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(out)) {
    out = out
      .replace(/œ/g, "oe")
      .replace(/æ/g, "ae")
      .replace(/ß/g, "ss")
      .replace(/ø/g, "o")
      .replace(/ł/g, "l")
      .replace(/đ/g, "d")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "");
  }
  return out;
}

const NON_ASCII_LETTER = /[\p{L}\p{N}]/u;

/** 1 = letter/digit (part of a token), 2 = joins parts of one word (' - ’), 0 = separator. */
function charClass(c: number, ch: string): number {
  if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) return 1;
  if (c === 39 || c === 45 || c === 0x2019) return 2;
  if (c < 128) return 0;
  return NON_ASCII_LETTER.test(ch) ? 1 : 0;
}

/** `st`/`ste` (and `saint`/`sainte`) as a word or a word's first part: the full form. */
export const SAINT_FORMS: ReadonlyMap<string, string> = new Map([
  ["st", "saint"],
  ["ste", "sainte"],
  ["saint", "saint"],
  ["sainte", "sainte"],
]);

/**
 * Tokens of one field value. A word with inner punctuation is indexed split, joined, and as the
 * joins of its trailing parts, so `N'Diaye` gives n, diaye, ndiaye, `Lefèvre-Durand` gives
 * lefevre, durand, lefevredurand and `L'Isle-d'Abeau` also isledabeau and dabeau.
 * With `joinAll`, a multi-word value is also indexed as one token (`de la Tour` → delatour).
 * With `expandSaint` (descriptive fields: La Poste routing lines write `42000 ST ETIENNE`), a word
 * or first part `st`/`ste` is also indexed as `saint`/`sainte` (`ST-ÉTIENNE` also gives saint and
 * saintetienne), and a lone `st`/`ste`/`saint`/`sainte` word is also joined to the next word
 * (`ST ETIENNE` and `SAINT ETIENNE` give saintetienne, as typed `saint-etienne` or `st-etienne`).
 * Hand-rolled scanner: field-tokens.ts is the import's faster copy (a test compares them).
 */
export function tokenizeField(value: string, joinAll = false, dropStopwords = false, expandSaint = false): string[] {
  const s = foldText(value);
  const out: string[] = [];
  let all = "";
  let words = 0;
  let part = "";
  let parts: string[] = [];
  /** The previous word was a lone st/ste/saint/sainte: its full form, joined to this word. */
  let saint: string | null = null;
  const endPart = () => {
    if (!part) return;
    if (!(dropStopwords && STOPWORDS.has(part))) out.push(part);
    parts.push(part);
    part = "";
  };
  const endWord = () => {
    endPart();
    const n = parts.length;
    if (n === 0) return;
    const joined = parts.join("");
    if (n > 1) {
      for (let i = 1; i < n - 1; i++) out.push(parts.slice(i).join(""));
      out.push(joined);
    }
    if (expandSaint) {
      if (saint) out.push(saint + joined);
      const full = SAINT_FORMS.get(parts[0]!);
      if (full && full !== parts[0]) {
        out.push(full);
        if (n > 1) out.push(full + joined.slice(parts[0]!.length));
      }
      saint = n === 1 && full ? full : null;
    }
    all += joined;
    words++;
    parts = [];
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const k = charClass(c, s[i]!);
    if (k === 1) part += s[i];
    else if (k === 2) endPart();
    else endWord();
  }
  endWord();
  if (joinAll && (words > 1 || out.length > 1) && !out.includes(all)) out.push(all);
  return out;
}

/**
 * The token that is the whole value (a surname's "exact" form): every word, every part, joined.
 * `LEFÈVRE-MOREAU` → lefevremoreau, `de la Tour` → delatour, `N'Diaye` → ndiaye; "" when the value
 * has no letter or digit. It is one of tokenizeField(value, true)'s tokens.
 */
export function wholeToken(value: string): string {
  let out = "";
  for (const parts of splitWords(foldText(value))) out += parts.join("");
  return out;
}

/** Small words not indexed in the descriptive fields (they would match nearly everything). */
export const STOPWORDS: ReadonlySet<string> = new Set([
  "a",
  "au",
  "aux",
  "d",
  "de",
  "des",
  "du",
  "en",
  "et",
  "l",
  "la",
  "le",
  "les",
  "sur",
  "sous",
  "pour",
  "par",
]);

/** One typed token and the dictionary prefixes it may match (st → st or saint). */
export interface QueryToken {
  /** The token as typed, folded (used for the "surname exact" rank and typo tolerance). */
  text: string;
  /** Prefixes looked up in the dictionary; a match on any of them is a match of the token. */
  prefixes: string[];
  /**
   * One letter: an initial, matched only at the start of a surname, given name or e-mail word
   * (`jean m` is Jean M…). Searched over every field, each such letter would read a sizeable part
   * of the index (a lone digit still matches every field: postal codes).
   */
  initial: boolean;
}

// A Map, not an object literal: a typed `constructor` must not find Object's prototype.
const EXPANSIONS: ReadonlyMap<string, string[]> = new Map([
  ["st", ["saint"]],
  ["ste", ["sainte"]],
]);

const LETTER = /^\p{L}$/u;

/** At most this many tokens of a query are used (the others are ignored): bounds a search's work. */
export const MAX_QUERY_TOKENS = 6;

/**
 * Query → tokens, all of which must match (AND). Every token is a prefix. A typed word with inner
 * punctuation is looked up joined (n'diaye → ndiaye, as indexed). Stopwords are dropped when other
 * tokens remain, since descriptive fields do not index them. At most MAX_QUERY_TOKENS are kept.
 * `words`, when given, receives every typed word, folded and joined, stopwords included.
 */
export function parseQuery(query: string, maxTokens = MAX_QUERY_TOKENS, words?: string[]): QueryToken[] {
  const tokens: QueryToken[] = [];
  for (const parts of splitWords(foldText(query.slice(0, 200)))) {
    const joined = parts.join("");
    words?.push(joined);
    const prefixes = [joined];
    const exp = EXPANSIONS.get(parts[0]!);
    if (exp) for (const e of exp) prefixes.push(e + parts.slice(1).join(""));
    tokens.push({ text: joined, prefixes, initial: joined.length === 1 && LETTER.test(joined) });
  }
  const meaningful = tokens.filter((t) => !STOPWORDS.has(t.text));
  const kept = meaningful.length > 0 ? meaningful : tokens;
  // Duplicate tokens add nothing to an AND.
  const seen = new Set<string>();
  const unique = kept.filter((t) => {
    if (seen.has(t.text)) return false;
    seen.add(t.text);
    return true;
  });
  return unique.slice(0, maxTokens);
}

/** Folded text → words, each a list of parts (same scanner as tokenizeField). */
export function splitWords(s: string): string[][] {
  const words: string[][] = [];
  let parts: string[] = [];
  let part = "";
  for (let i = 0; i < s.length; i++) {
    const k = charClass(s.charCodeAt(i), s[i]!);
    if (k === 1) {
      part += s[i];
      continue;
    }
    if (part) parts.push(part);
    part = "";
    if (k === 0 && parts.length) {
      words.push(parts);
      parts = [];
    }
  }
  if (part) parts.push(part);
  if (parts.length) words.push(parts);
  return words;
}

/** idNat from what the user or the card gives: an RPPS alone (11 digits) gets the prefix 8. */
export function normalizeIdNat(id: string): string {
  const t = id.trim();
  return /^\d{11}$/.test(t) ? `8${t}` : t;
}
