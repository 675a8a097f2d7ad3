/**
 * Text and attribute values written into XML (pure, strict): the five markup characters and the
 * whitespace an attribute would normalise are written as references; a character XML 1.0 does not
 * allow (controls, lone surrogates, U+FFFE/FFFF) cannot be written at all — inputs are checked
 * for it first (`hasInvalidXmlChar`), and escaping one throws.
 */
const INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function hasInvalidXmlChar(s: string): boolean {
  return INVALID.test(s);
}

const REFS: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  "\t": "&#9;",
  "\n": "&#10;",
  "\r": "&#13;",
};

/** Escapes a value for element text or a double- or single-quoted attribute. */
export function xmlEscape(s: string): string {
  if (hasInvalidXmlChar(s)) throw new RangeError("a character XML cannot hold");
  return s.replace(/[&<>"'\t\n\r]/g, (c) => REFS[c]!);
}
