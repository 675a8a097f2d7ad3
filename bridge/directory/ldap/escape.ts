/**
 * RFC 4515 escaping of a value placed in an LDAP search filter (pure).
 *
 * RFC 4515 §3: in an assertion value, `*` `(` `)` `\` and NUL must be written as `\` + two hex
 * digits (`\2a` `\28` `\29` `\5c` `\00`). Everything else may stay as UTF-8; with `asciiOnly`,
 * every non-ASCII byte of the UTF-8 encoding is escaped too (for servers or logs that want 7-bit
 * filters). Lone UTF-16 surrogates, which cannot be encoded, become U+FFFD.
 */
export function escapeFilterValue(value: string, opts: { asciiOnly?: boolean } = {}): string {
  let out = "";
  // toWellFormed is Node 20+; replace lone surrogates by hand for older runtimes too.
  const s = value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === "*" || ch === "(" || ch === ")" || ch === "\\" || cp === 0) {
      out += `\\${cp.toString(16).padStart(2, "0")}`;
    } else if (cp > 0x7f && opts.asciiOnly) {
      for (const b of Buffer.from(ch, "utf8")) out += `\\${b.toString(16).padStart(2, "0")}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/** An attribute description as RFC 4512 allows it (descr or numeric OID, options) — refuses anything else. */
export function isAttributeDescription(name: string): boolean {
  return /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]+)*$/.test(name);
}
