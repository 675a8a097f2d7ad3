/**
 * "DUPONT-MARTIN" → "Dupont-Martin", "jean d'ARC" → "Jean D'Arc": every letter lower case but the
 * first of each word, a word starting after a space, an apostrophe (' or ’) or a hyphen. French
 * rules (toLocale…Case("fr")). Used for names shown to people (setup page, address book) and by
 * the directory generator for the names it makes up.
 */
export function titleCase(s: string): string {
  return s.toLocaleLowerCase("fr").replace(/(^|[\s'’-])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toLocaleUpperCase("fr"));
}
