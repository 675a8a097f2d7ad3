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
  const texts = tokens.map((t) => t.text);
  // Each word: 1 a query token, 0 a dropped stopword, -1 neither (a word past the token limit).
  const role = words.map((w) => (texts.includes(w) ? 1 : STOPWORDS.has(w) ? 0 : -1));
  const runs: PhraseRun[] = [];
  /** Each run's first and last word, and what it names. */
  const spans: [number, number, NameKind][] = [];
  const stopwords: string[] = [];
  for (let i = 0; i < words.length; i++) {
    let joined = "";
    for (let j = i; j < Math.min(words.length, i + MAX_PHRASE_WORDS) && role[j] !== -1; j++) {
      joined += words[j];
      const n = j - i + 1;
      if (n === 1 && role[i] !== 0) continue;
      const kind = isName(joined, n);
      if (kind === NameKind.NONE) continue;
      const run = words.slice(i, j + 1);
      const tokenIds = [...new Set(run.map((w) => texts.indexOf(w)).filter((k) => k >= 0))];
      if (n > 1 && tokenIds.length === 0) continue;
      const stops = stopwordIds(run, texts, stopwords);
      if (tokenIds.length === 0 && stops.length === 0) continue;
      runs.push({ joined, tokens: tokenIds, stopwords: stops, words: n });
      spans.push([i, j, kind]);
    }
  }
  // A stopword that is a surname (LE) counts alone only when no longer surname includes it: `le
  // gall` is LE GALL, `le van` LE Van, `gael le` LE Gaël (though Gaëlle is a given name). (Alone,
  // its list is no run of a query token: it loosens the search's bounds.)
  const inSurname = (w: number) => spans.some(([a, b, kind], m) => runs[m]!.words > 1 && kind === NameKind.SURNAME && a <= w && w <= b);
  const kept = runs.filter((r, k) => r.words > 1 || !inSurname(spans[k]![0]));
  return kept.length ? { runs: kept, stopwords } : NONE;
}

/** The indices in `stopwords` (added to it, up to MAX_PHRASE_STOPWORDS) of a run's words that are no query token. */
function stopwordIds(run: string[], texts: string[], stopwords: string[]): number[] {
  const stops: number[] = [];
  for (const w of run) {
    if (texts.includes(w)) continue;
    let k = stopwords.indexOf(w);
    if (k < 0) {
      if (stopwords.length >= MAX_PHRASE_STOPWORDS) continue;
      k = stopwords.push(w) - 1;
    }
    if (!stops.includes(k)) stops.push(k);
  }
  return stops;
}
