/**
 * E-mail addresses and domain names in the forms the bridge and the extension compare: IDNA
 * (punycode) ASCII domains, lower case. One implementation for both sides: no `node:` import, the
 * IDNA conversion is the WHATWG URL host parser, which Node and Thunderbird both have.
 *
 * domainToAscii gives exactly what node:url's domainToASCII gives (Node implements that one by
 * setting the host name of a `ws:` URL; so does this); address.test.ts compares them.
 */

/**
 * The IDNA ASCII form of a host name, lower case ("Hôpital.FR" → "xn--hpital-ixa.fr"), or "" when
 * it is not a valid host name. Like the URL host parser: an IPv4 address in any notation comes
 * back dotted-decimal, a bracketed IPv6 address compressed, and the text stops at `/`, `?` or `#`.
 */
export function domainToAscii(domain: string): string {
  if (!domain) return "";
  // A host name the setter refuses leaves the URL's own: set it on two URLs that differ there,
  // and the refusal shows as two different answers.
  const a = new URL("ws://a");
  a.hostname = domain;
  const b = new URL("ws://b");
  b.hostname = domain;
  return a.hostname === b.hostname ? a.hostname : "";
}

/** ~5,000 domains in the national directory: their IDNA form, remembered. */
const asciiDomains = new Map<string, string>();

/** domainToAscii, or the domain as given when it is not a valid host name. */
function asciiOrAsIs(domain: string): string {
  let ascii = asciiDomains.get(domain);
  if (ascii === undefined) {
    ascii = domainToAscii(domain) || domain;
    if (asciiDomains.size < 100_000) asciiDomains.set(domain, ascii);
  }
  return ascii;
}

/**
 * The address trimmed, its domain in IDNA ASCII form (kept as written when it is not a valid host
 * name), its local part as given (an LDAP server compares mail addresses as it stores them).
 */
export function asciiDomainAddress(address: string): string {
  const a = address.trim();
  const at = a.lastIndexOf("@");
  return at < 0 ? a : a.slice(0, at + 1) + asciiOrAsIs(a.slice(at + 1));
}

/** An address already in its normal form: lowercase ASCII, no spaces (most of the directory's). */
const PLAIN_ADDRESS = /^[a-z0-9._+-]+@[a-z0-9.-]+$/;

/**
 * An address for lookup and comparison in the directory: trimmed, lower case, domain in IDNA
 * form. Never refuses: what is not an address is only trimmed and lower-cased. Runs for every line
 * of an extraction import: an address already in normal form is returned as it is.
 */
export function normalizeAddress(address: string): string {
  if (PLAIN_ADDRESS.test(address)) return address;
  return asciiDomainAddress(address.trim().toLowerCase());
}

/**
 * A domain name in the form the trust list and its checks compare: IDNA ASCII, lower case, no
 * final dot; null for anything but a DNS name with at least two labels (an IP address, a name
 * with a label empty or longer than 63, or a character outside letters, digits and `-`).
 */
export function normalizeDomain(name: string): string | null {
  const trimmed = name.trim().replace(/\.$/, "");
  if (!trimmed || trimmed.length > 253) return null;
  const ascii = domainToAscii(trimmed).toLowerCase();
  if (!ascii?.includes(".")) return null;
  if (!/^[a-z0-9.-]+$/.test(ascii) || ascii.split(".").some((l) => l.length === 0 || l.length > 63)) return null;
  return ascii;
}

/** A typed domain's ASCII form, lower case; null when it is not a host name (delimiters, spaces). */
function typedDomain(domain: string): string | null {
  const d = domain.trim().replace(/\.$/, "");
  if (!d || /[\s/\\?#@:]/.test(d)) return null;
  return domainToAscii(d) || null;
}

/**
 * An address typed or read from a message header, checked and normalised: the local part
 * lower-cased, the domain in IDNA ASCII form (with at least one dot). Null when it is not an
 * address: no `@`, nothing before or after it, spaces or angle brackets in the local part.
 */
export function normalizeTypedAddress(addr: string): { address: string; domain: string } | null {
  const a = addr.trim();
  const at = a.lastIndexOf("@");
  if (at <= 0 || at === a.length - 1) return null;
  const local = a.slice(0, at);
  if (/[\s<>]/.test(local)) return null;
  const domain = typedDomain(a.slice(at + 1));
  if (!domain?.includes(".")) return null;
  return { address: `${local.toLowerCase()}@${domain}`, domain };
}
