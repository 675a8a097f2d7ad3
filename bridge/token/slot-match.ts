/**
 * Pure: which PKCS#11 slot is the card in the bound reader, and which slot the identity and the
 * PIN state are read from (both always from the same one).
 *
 * Cryptolib CPS and OpenSC name each slot after its PC/SC reader: CK_SLOT_INFO.slotDescription
 * (64 bytes, space-padded; a longer reader name is cut) is the reader's name, sometimes with more
 * around it. A slot is the bound reader's when its description (or, for middleware that puts it
 * there, its manufacturerID) equals the reader name ("exact"), or contains it, or the description
 * is the name cut at 64 bytes ("loose"). Exact matches win; a loose one counts only when it fits
 * no other reader present (two readers of one model often differ only at the end of the name,
 * which a cut drops). Several slots may match one reader (OpenSC shows one slot per PIN of a
 * card): they are all that card.
 *
 * When no slot names the reader (SoftHSM: its slots are not readers; the tests and the demo bind
 * its token to the virtual reader), the card is the only token holding a certificate; with
 * several, nothing says which card is in the bound reader, and the caller refuses.
 */

/** CK_SLOT_INFO's text fields, as the module gives them (padding allowed). */
export interface SlotNames {
  description: string;
  manufacturer: string;
}

/** Size of CK_SLOT_INFO.slotDescription (bytes). */
const DESCRIPTION_BYTES = 64;

/** PKCS#11 strings are blank-padded; some modules pad with NULs. */
export function trimPkcs11(s: string): string {
  return s.replace(/[\s\0]+$/, "");
}

/** The first `bytes` bytes of `s` in UTF-8, as a PKCS#11 field of that size would hold it. */
function cutTo(s: string, bytes: number): string {
  const b = Buffer.from(s, "utf8");
  return b.length <= bytes ? s : b.subarray(0, bytes).toString("utf8");
}

/** How a slot's names relate to a PC/SC reader name: "exact", "loose" or null (another reader). */
export function slotMatch(reader: string, slot: SlotNames): "exact" | "loose" | null {
  const name = trimPkcs11(reader);
  if (!name) return null;
  const description = trimPkcs11(slot.description);
  const manufacturer = trimPkcs11(slot.manufacturer);
  if (description === name || manufacturer === name) return "exact";
  if (description.includes(name) || manufacturer.includes(name)) return "loose";
  // manufacturerID (32 bytes) is too short for a cut name to tell readers apart: not used for that.
  if (Buffer.byteLength(name, "utf8") > DESCRIPTION_BYTES && description === trimPkcs11(cutTo(name, DESCRIPTION_BYTES))) return "loose";
  return null;
}

/**
 * Indexes of the slots that are the bound reader's: the exact matches, else the loose ones that
 * fit none of `otherReaders` (the other PC/SC readers present).
 */
export function slotsOfReader(
  reader: string | null | undefined,
  slots: readonly SlotNames[],
  otherReaders: readonly string[] = [],
): number[] {
  if (!reader) return [];
  const exact: number[] = [];
  const loose: number[] = [];
  slots.forEach((s, i) => {
    const m = slotMatch(reader, s);
    if (m === "exact") exact.push(i);
    else if (m === "loose" && otherReaders.every((other) => other === reader || slotMatch(other, s) === null)) loose.push(i);
  });
  return exact.length > 0 ? exact : loose;
}

export type CardSlotPick =
  /** Read the identity (when `hasCertificate`) and the PIN state from token `index`. */
  | { kind: "slot"; index: number; hasCertificate: boolean }
  /** No token at all. */
  | { kind: "none" }
  /** No slot names the bound reader and `count` tokens could be the card: nothing tells them apart. */
  | { kind: "several"; count: number };

/**
 * The token to read, among `count` initialised tokens. `inBoundReader`: they are the bound
 * reader's slots (slotsOfReader matched); then the first with a certificate, else the first.
 * Otherwise (no slot names the reader): the only token with a certificate; with none, the only
 * token; anything else is "several". `hasCertificate(i)` is asked lazily (it reads the card).
 */
export function pickCardSlot(count: number, inBoundReader: boolean, hasCertificate: (index: number) => boolean): CardSlotPick {
  if (count <= 0) return { kind: "none" };
  if (inBoundReader) {
    for (let i = 0; i < count; i++) if (hasCertificate(i)) return { kind: "slot", index: i, hasCertificate: true };
    return { kind: "slot", index: 0, hasCertificate: false };
  }
  const withCertificate: number[] = [];
  for (let i = 0; i < count; i++) if (hasCertificate(i)) withCertificate.push(i);
  if (withCertificate.length === 1) return { kind: "slot", index: withCertificate[0]!, hasCertificate: true };
  if (withCertificate.length > 1) return { kind: "several", count: withCertificate.length };
  return count === 1 ? { kind: "slot", index: 0, hasCertificate: false } : { kind: "several", count };
}
