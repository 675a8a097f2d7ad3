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

/** How many bits a pattern compares (an exact pattern compares them all): its specificity. */
export function patternSpecificity(pattern: AtrPattern): number {
  const mask = normalizeAtr(pattern.mask ?? pattern.atr.replace(/[0-9A-Fa-f]/g, "F"));
  if (!mask) return 0;
  let bits = 0;
  for (let i = 0; i < mask.length; i += 2) {
    let b = parseInt(mask.slice(i, i + 2), 16);
    for (; b; b &= b - 1) bits++;
  }
  return bits;
}

/**
 * The database entry whose patterns match this ATR, or null for an unknown or malformed ATR.
 * Never throws. The most specific matching pattern wins: the CPS3 mask published for OpenSC's
 * "IAS/ECC CPx" also matches the CPS4 T=0 ATR, whose exact pattern must take precedence. Between
 * equally specific patterns, database order decides (entries of an override file come first).
 */
export function matchAtr(atrHex: string | null | undefined, db: CardDatabase): CardEntry | null {
  if (typeof atrHex !== "string") return null;
  const atr = normalizeAtr(atrHex);
  if (!atr) return null;
  let best: CardEntry | null = null;
  let bestBits = -1;
  for (const card of db.cards) {
    for (const p of card.atrs) {
      if (!atrMatches(atr, p)) continue;
      const bits = patternSpecificity(p);
      if (bits > bestBits) {
        best = card;
        bestBits = bits;
      }
    }
  }
  return best;
}

/** The public view of an entry (what the protocol carries). */
export function toCardModel(entry: CardEntry): CardModel {
  return { id: entry.id, name: entry.name, family: entry.family, interface: entry.interface, rsaPss: entry.rsaPss };
}
