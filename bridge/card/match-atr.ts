/** ATR → card model, by the card database's patterns and masks. Pure: no I/O. */
import type { CardModel } from "../../shared/domain/card.ts";
import type { AtrPattern, CardDatabase, CardEntry } from "./card-database-schema.ts";

/** "3b ac:00 …" → "3BAC00…"; null when it is not whole bytes of hex. */
export function normalizeAtr(hex: string): string | null {
  const s = hex.replace(/[\s:]/g, "").toUpperCase();
  return s.length >= 2 && s.length % 2 === 0 && /^[0-9A-F]+$/.test(s) ? s : null;
}

/** True when `atr` (normalised hex) matches the pattern: same length, equal on the mask's bits. */
export function atrMatches(atr: string, pattern: AtrPattern): boolean {
  const want = normalizeAtr(pattern.atr);
  if (!want || want.length !== atr.length) return false;
  const mask = pattern.mask === undefined ? null : normalizeAtr(pattern.mask);
  if (mask === null) return pattern.mask === undefined && want === atr;
  if (mask.length !== want.length) return false;
  for (let i = 0; i < atr.length; i += 2) {
    const m = parseInt(mask.slice(i, i + 2), 16);
    if ((parseInt(atr.slice(i, i + 2), 16) & m) !== (parseInt(want.slice(i, i + 2), 16) & m)) return false;
  }
  return true;
}

/**
 * The database entry whose patterns match this ATR (the first in database order: entries from an
 * override file come first), or null for an unknown or malformed ATR. Never throws.
 */
export function matchAtr(atrHex: string | null | undefined, db: CardDatabase): CardEntry | null {
  if (typeof atrHex !== "string") return null;
  const atr = normalizeAtr(atrHex);
  if (!atr) return null;
  for (const card of db.cards) if (card.atrs.some((p) => atrMatches(atr, p))) return card;
  return null;
}

/** The public view of an entry (what the protocol carries). */
export function toCardModel(entry: CardEntry): CardModel {
  return { id: entry.id, name: entry.name, family: entry.family, interface: entry.interface, rsaPss: entry.rsaPss };
}
