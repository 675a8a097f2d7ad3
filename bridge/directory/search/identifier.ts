/**
 * A one-box query that is a national identifier (docs/domain/mssante.md; shared/domain/identity.ts
 * names the registers): secretaries type the RPPS printed on a letter, or the whole idNat. Pure.
 *
 * - an RPPS alone: 11 digits → idNat `8` + RPPS (the number as typed is tried too);
 * - an ADELI alone: 9 characters → idNat `0` + ADELI (Corsican numbers hold `2A`/`2B`);
 * - an idNat: a register digit then the number, 8 to 15 characters (`810001234567`,
 *   `0751234567`, a SIRET-based `5…` of 15), at most two letters, and a staff card's `/suffix`.
 * Digits typed in groups (`100 0123 4567`) are one number. Anything else is an ordinary query.
 */
const ID = /^([0-9][0-9A-Z]{7,14})(\/[0-9A-Z]{1,10})?$/;

/** The idNat keys to look up exactly, the likeliest first; [] when the query is not an identifier. */
export function identifierKeys(query: string): string[] {
  const q = query.trim();
  if (q.length < 8 || q.length > 40 || !/^[0-9]/.test(q)) return [];
  const id = (/^[0-9 ]+$/.test(q) ? q.replace(/ +/g, "") : q).toUpperCase();
  const m = ID.exec(id);
  if (!m) return [];
  const letters = m[1]!.replace(/[0-9]/g, "").length;
  if (letters > 2) return [];
  const keys: string[] = [];
  if (/^[0-9]{11}$/.test(id)) keys.push(`8${id}`);
  if (/^[0-9][0-9AB][0-9]{7}$/.test(id)) keys.push(`0${id}`);
  keys.push(id);
  return keys;
}
