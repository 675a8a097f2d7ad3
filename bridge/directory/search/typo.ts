/**
 * One-typo tolerance (pure): the variants of a token at one Damerau-Levenshtein edit (deletion,
 * insertion, substitution, transposition of neighbours), used only when the exact search finds
 * nothing and only for tokens of 5+ letters (shorter ones would match too much).
 */
export const TYPO_MIN_LENGTH = 5;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export function oneEditVariants(token: string): string[] {
  const out = new Set<string>();
  const n = token.length;
  for (let i = 0; i < n; i++) out.add(token.slice(0, i) + token.slice(i + 1));
  for (let i = 0; i + 1 < n; i++) {
    if (token[i] !== token[i + 1]) out.add(token.slice(0, i) + token[i + 1] + token[i] + token.slice(i + 2));
  }
  for (let i = 0; i < n; i++) {
    for (const c of ALPHABET) if (c !== token[i]) out.add(token.slice(0, i) + c + token.slice(i + 1));
  }
  for (let i = 0; i <= n; i++) {
    for (const c of ALPHABET) out.add(token.slice(0, i) + c + token.slice(i));
  }
  out.delete(token);
  return [...out];
}

/** Optimal-string-alignment Damerau-Levenshtein distance (for tests and checks). */
export function damerauLevenshtein(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[m]![n]!;
}
