/**
 * What a PDF says about itself that the rules care about (pure): whether it declares PDF/A
 * (ECO.2.1.5: the message carries a PDF/A rendering) and whether it is encrypted (PDF/A forbids it,
 * and a recipient's software may not open it).
 *
 * This reads the declaration, it does not validate PDF/A: a PDF/A file carries its part and
 * conformance level in its XMP metadata (`pdfaid:part`, `pdfaid:conformance`, ISO 19005), in a
 * metadata stream PDF/A requires to be uncompressed, so the declaration is plain text in the file.
 * Checking that the content meets the standard (fonts embedded, colour spaces…) is a validator's
 * job (veraPDF), which neither program ships.
 */

export interface PdfaClaim {
  /** 1, 2, 3 or 4 (ISO 19005-n). */
  part: number;
  /** A, B, U (parts 1–3), or null (PDF/A-4 has none, or the file does not say). */
  conformance: string | null;
}

/** The PDF's bytes as text, one character per byte (names and XMP are ASCII). */
function latin1(pdf: Uint8Array): string {
  return new TextDecoder("latin1").decode(pdf);
}

const PART = /pdfaid:part\s*=\s*["']\s*([1-4])\s*["']|<pdfaid:part>\s*([1-4])\s*<\/pdfaid:part>/;
const CONFORMANCE = /pdfaid:conformance\s*=\s*["']\s*([abu])\s*["']|<pdfaid:conformance>\s*([abu])\s*<\/pdfaid:conformance>/i;

/** The PDF/A part and level the file declares in its XMP metadata, or null when it declares none. */
export function pdfaClaim(pdf: Uint8Array): PdfaClaim | null {
  const text = latin1(pdf);
  const part = PART.exec(text);
  if (!part) return null;
  const level = CONFORMANCE.exec(text);
  return { part: Number(part[1] ?? part[2]), conformance: level ? (level[1] ?? level[2])!.toUpperCase() : null };
}

/** The trailer (or cross-reference stream) names an /Encrypt dictionary: the file is encrypted. */
export function pdfEncrypted(pdf: Uint8Array): boolean {
  return /\/Encrypt(?=[\s/<[\d])/.test(latin1(pdf));
}
