/**
 * The import's copy of search/normalize.ts tokenizeField, producing exactly the same tokens
 * (field-tokens.test.ts compares both on the generator's values and on edge cases), written
 * without inner closures and without building words a character at a time: it runs for every
 * distinct value and every e-mail of the extraction, and those closures cost the import more than
 * the scanning itself.
 */
import { foldText, SAINT_FORMS, STOPWORDS } from "./normalize.ts";

const NON_ASCII_LETTER = /[\p{L}\p{N}]/u;

/** 1 = letter/digit (part of a token), 2 = joins parts of one word (' - ’), 0 = separator. */
function charClass(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) return 1;
  if (c === 39 || c === 45 || c === 0x2019) return 2;
  if (c < 128) return 0;
  return NON_ASCII_LETTER.test(s[i]!) ? 1 : 0;
}

/** Part boundaries of the current word, as offsets into its joined form (reused, not reallocated). */
const cuts: number[] = [];

// biome-ignore lint/complexity/noExcessiveCognitiveComplexity: one character-by-character pass, run on every field of every entry of a 500k-line import; its state (parts, joined form, saint) lives in local variables
export function fieldTokens(value: string, joinAll = false, dropStopwords = false, expandSaint = false): string[] {
  const s = foldText(value);
  const n = s.length;
  const out: string[] = [];
  let all = "";
  let words = 0;
  let partStart = -1; // a part is a run of letters/digits: sliced, not appended char by char
  let joined = "";
  let parts = 0;
  let saint: string | null = null;
  for (let i = 0; i <= n; i++) {
    const k = i < n ? charClass(s, i) : 0;
    if (k === 1) {
      if (partStart < 0) partStart = i;
      continue;
    }
    if (partStart >= 0) {
      const part = s.slice(partStart, i);
      partStart = -1;
      if (!(dropStopwords && STOPWORDS.has(part))) out.push(part);
      cuts[parts] = joined.length;
      joined += part;
      parts++;
    }
    if (k === 0 && parts > 0) {
      if (parts > 1) {
        for (let j = 1; j < parts - 1; j++) out.push(joined.slice(cuts[j]!));
        out.push(joined);
      }
      if (expandSaint) {
        if (saint !== null) out.push(saint + joined);
        const first = parts > 1 ? joined.slice(0, cuts[1]!) : joined;
        const full = SAINT_FORMS.get(first);
        if (full !== undefined && full !== first) {
          out.push(full);
          if (parts > 1) out.push(full + joined.slice(cuts[1]!));
        }
        saint = parts === 1 && full !== undefined ? full : null;
      }
      all += joined;
      words++;
      joined = "";
      parts = 0;
    }
  }
  if (joinAll && (words > 1 || out.length > 1) && !out.includes(all)) out.push(all);
  return out;
}
