/**
 * Consecutive typed words that may spell a whole name (pure): `le goff` → legoff, `de la roche` →
 * delaroche and laroche, `marie helene` → mariehelene. The index holds a surname's whole form as one
 * token (LE GOFF, Le-Goff and LEGOFF all give legoff) and a hyphenated given name joined
 * (Marie-Hélène gives mariehelene), so a run of words is looked up as that one token; an entry
 * whose whole surname (or given name) it is ranks first (search/rank.ts, codes 0 and 2).
 */
import { type QueryToken, STOPWORDS } from "./normalize.ts";

/** Longest run of typed words tried as one name (`de la tour du pin` would need 5: rare enough). */
export const MAX_PHRASE_WORDS = 4;
/** At most this many stopwords of runs are ranked (they are no condition of the search). */
export const MAX_PHRASE_STOPWORDS = 4;

export interface PhraseRun {
  /** The words joined: the token looked up exactly (`legoff`). */
  joined: string;
  /** The query tokens (indices into parseQuery's list) among the run's words. */
  tokens: number[];
  /** The run's stopwords that parseQuery dropped (`le`, `de`, `la`), by their index in `stopwords`. */
  stopwords: number[];
  /** Its number of words: 1 only for a dropped stopword alone (LE, a surname: `le van` is LE Van). */
  words: number;
}

/** What a joined run of words is in the index: nothing, some entry's whole surname, or only a given name. */
export const NameKind = { NONE: 0, SURNAME: 1, GIVEN: 2 } as const;
export type NameKind = (typeof NameKind)[keyof typeof NameKind];

export interface Phrases {
  runs: PhraseRun[];
  /** The stopwords of all runs that are not query tokens, each once. */
  stopwords: string[];
}

const NONE: Phrases = { runs: [], stopwords: [] };

/** A word's role in phraseRuns when it is no query token. */
const STOP = -1;
const OUT = -2;

/**
 * The runs of 2 to MAX_PHRASE_WORDS consecutive typed words that contain at least one query token
 * and whose other words are dropped stopwords (a word cut off by parseQuery's token limit ends the
 * runs), and each dropped stopword alone (a two-letter surname such as LE is also a stopword), kept
 * when `isName(joined, words)` says some entry has that name (the index's dictionary: one lookup
 * per run, nothing else computed for the others). `words` are the typed words and `tokens` the
 * query tokens, both from parseQuery.
 */
export function phraseRuns(words: readonly string[], tokens: QueryToken[], isName: (joined: string, words: number) => NameKind): Phrases {
  if (words.length < 2) return NONE;
  const role = wordRoles(words, tokens);
  const runs: PhraseRun[] = [];
  /** Each run's first and last word, and what it names. */
  const spans: [number, number, NameKind][] = [];
  const stopwords: string[] = [];
  for (let i = 0; i < words.length; i++) {
    let joined = "";
    for (let j = i; j < Math.min(words.length, i + MAX_PHRASE_WORDS) && role[j] !== OUT; j++) {
      joined += words[j];
      const n = j - i + 1;
      if (n === 1 && role[i] !== STOP) continue;
      const kind = isName(joined, n);
      if (kind === NameKind.NONE) continue;
      const tokenIds = runTokens(role, i, j);
      if (n > 1 && tokenIds.length === 0) continue;
      const stops = stopwordIds(words, role, i, j, stopwords);
      if (tokenIds.length === 0 && stops.length === 0) continue;
      runs.push({ joined, tokens: tokenIds, stopwords: stops, words: n });
      spans.push([i, j, kind]);
    }
  }
  // A stopword that is a surname (LE) counts alone only when no longer surname includes it: `le
  // gall` is LE GALL, `le van` LE Van, `gael le` LE Gaël (though Gaëlle is a given name). (Alone,
  // its list is no run of a query token: it loosens the search's bounds.)
  const kept: PhraseRun[] = [];
  for (let k = 0; k < runs.length; k++) if (runs[k]!.words > 1 || !inSurname(spans[k]![0], runs, spans)) kept.push(runs[k]!);
  return kept.length ? { runs: kept, stopwords } : NONE;
}

/** Whether word `w` is in a run of several words that is a surname. */
function inSurname(w: number, runs: PhraseRun[], spans: [number, number, NameKind][]): boolean {
  for (let m = 0; m < runs.length; m++) {
    const [a, b, kind] = spans[m]!;
    if (runs[m]!.words > 1 && kind === NameKind.SURNAME && a <= w && w <= b) return true;
  }
  return false;
}

/**
 * Each word's role: the index of its query token, STOP a dropped stopword, OUT neither (a word past
 * the token limit). Computed once, so that phraseRuns' loops only compare numbers (plain loops, no
 * callbacks: this runs for every query typed).
 */
function wordRoles(words: readonly string[], tokens: QueryToken[]): number[] {
  const role: number[] = [];
  for (const w of words) {
    let k = 0;
    while (k < tokens.length && tokens[k]!.text !== w) k++;
    role.push(k < tokens.length ? k : STOPWORDS.has(w) ? STOP : OUT);
  }
  return role;
}

/** The query tokens among words[i..j], each once, in order. */
function runTokens(role: number[], i: number, j: number): number[] {
  const ids: number[] = [];
  for (let m = i; m <= j; m++) if (role[m]! >= 0 && !ids.includes(role[m]!)) ids.push(role[m]!);
  return ids;
}

/**
 * The indices in `stopwords` (added to it, up to MAX_PHRASE_STOPWORDS) of the stopwords among
 * words[i..j] (a run's words that are no query token).
 */
function stopwordIds(words: readonly string[], role: number[], i: number, j: number, stopwords: string[]): number[] {
  const stops: number[] = [];
  for (let m = i; m <= j; m++) {
    if (role[m] !== STOP) continue;
    const w = words[m]!;
    let k = stopwords.indexOf(w);
    if (k < 0) {
      if (stopwords.length >= MAX_PHRASE_STOPWORDS) continue;
      k = stopwords.push(w) - 1;
    }
    if (!stops.includes(k)) stops.push(k);
  }
  return stops;
}
