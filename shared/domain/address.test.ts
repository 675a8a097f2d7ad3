/**
 * shared/domain/address.ts replaces four implementations (the directory's normalizeAddress, the
 * trust list's normalizeDomain, the LDAP filter's address, the extension's recipient address),
 * three of them on node:url's domainToASCII. Each old implementation is kept here, as it was, and
 * the new one must give the same answer on the generator's addresses and on hostile input.
 */
import { domainToASCII } from "node:url";
import { describe, expect, it } from "vitest";
import { extractionLines } from "../../bridge/demo/generator/extraction.ts";
import { asciiDomainAddress, domainToAscii, normalizeAddress, normalizeDomain, normalizeTypedAddress } from "./address.ts";

// ---- the old implementations, as they were ------------------------------------------------------
const OLD_PLAIN_ADDRESS = /^[a-z0-9._+-]+@[a-z0-9.-]+$/;
/** bridge/directory/search/normalize.ts */
const oldDirectoryAddress = (address: string): string => {
  if (OLD_PLAIN_ADDRESS.test(address)) return address;
  const a = address.trim().toLowerCase();
  const at = a.lastIndexOf("@");
  if (at < 0) return a;
  const domain = a.slice(at + 1);
  return a.slice(0, at + 1) + (domainToASCII(domain) || domain);
};
/** bridge/trust/whitelist.ts */
const oldTrustDomain = (name: string): string | null => {
  const trimmed = name.trim().replace(/\.$/, "");
  if (!trimmed || trimmed.length > 253) return null;
  const ascii = domainToASCII(trimmed).toLowerCase();
  if (!ascii?.includes(".")) return null;
  if (!/^[a-z0-9.-]+$/.test(ascii) || ascii.split(".").some((l) => l.length === 0 || l.length > 63)) return null;
  return ascii;
};
/** bridge/directory/ldap/ldap-filter.ts */
const oldLdapMail = (address: string): string => {
  const a = address.trim();
  const at = a.lastIndexOf("@");
  return at < 0 ? a : a.slice(0, at + 1) + (domainToASCII(a.slice(at + 1)) || a.slice(at + 1));
};
/** extension/background/recipients.ts (already on URL) */
const oldAsciiDomain = (domain: string): string | null => {
  const d = domain.trim().replace(/\.$/, "");
  if (!d || /[\s/\\?#@:]/.test(d)) return null;
  try {
    const host = new URL(`http://${d}/`).hostname;
    return host ? host.toLowerCase() : null;
  } catch {
    return null;
  }
};
const oldRecipientAddress = (addr: string): { address: string; domain: string } | null => {
  const a = addr.trim();
  const at = a.lastIndexOf("@");
  if (at <= 0 || at === a.length - 1) return null;
  const local = a.slice(0, at);
  if (/[\s<>]/.test(local)) return null;
  const domain = oldAsciiDomain(a.slice(at + 1));
  if (!domain?.includes(".")) return null;
  return { address: `${local.toLowerCase()}@${domain}`, domain };
};

// ---- input ----------------------------------------------------------------------------------------
const HOSTILE_DOMAINS = [
  "",
  " ",
  ".",
  "..",
  "a",
  "A",
  "x",
  "mssante.fr",
  "MSSANTE.FR",
  "MSSanté.FR",
  "hôpital.mssante.fr",
  "Hôpital.Example.FR",
  "xn--hpital-ixa.example.fr",
  "XN--BCHER-KVA.DE",
  "xn--zz.de",
  "xn--.de",
  "xn--a.com",
  "faß.de",
  "ＭＳＳ.fr",
  "a。b。com",
  "Ⅻ.com",
  "İ.com",
  "ς.gr",
  "١.com",
  "💩.la",
  "a\u0301.com",
  "\u0301a.com",
  "a\u00ADb.com",
  "a\u200Bb.com",
  "mssante.fr.",
  "mssante.fr..",
  ".mssante.fr",
  "a..b.fr",
  "-bad-.fr",
  "a-.fr",
  "ab--cd.fr",
  "a_b.fr",
  "*.x.fr",
  "%41.fr",
  "%zz.fr",
  "x%20y.fr",
  "a b.fr",
  " a.fr",
  "a.fr ",
  "a\tb.fr",
  "a\nb.fr",
  "\u0000a.fr",
  "a<b.fr",
  "a>b.fr",
  "a^b.fr",
  "a|b.fr",
  "a/b.fr",
  "a.fr/x",
  "a.fr?x",
  "a.fr#x",
  "a\\b.fr",
  "a.fr:25",
  "a.fr:",
  "a@b.fr",
  "[::1]",
  "[::1",
  "::1",
  "[2001:DB8::1]",
  "127.0.0.1",
  "1.2.3.4",
  "0x7f.1",
  "0x.1",
  "09.1",
  "256.1.1.1",
  "1.2.3.4.5",
  "com.1",
  "1.com",
  "0.0.0.0",
  "localhost",
  "LOCALHOST.",
  `${"a".repeat(63)}.fr`,
  `${"a".repeat(64)}.fr`,
  `${(`${"a".repeat(63)}.`).repeat(4)}fr`,
  `${(`${"a".repeat(50)}.`).repeat(5)}fr`,
  `${"é".repeat(60)}.fr`,
  "x".repeat(300),
];
const HOSTILE_LOCALS = ["jean.dupont", "Jean.Dupont", " jean", "jean ", "j d", "<j>", "", "JEAN+tag", "jéan", '"j@x"'];

function generatedAddresses(): string[] {
  const out: string[] = [];
  for (const seed of [1, 2]) {
    let header = true;
    for (const line of extractionLines({ lines: 8000, seed })) {
      if (header) {
        header = false;
        continue;
      }
      out.push(line.slice(line.indexOf("|") + 1, line.indexOf("|", line.indexOf("|") + 1)));
    }
  }
  return out;
}

const generated = generatedAddresses();
const generatedDomains = [...new Set(generated.map((a) => a.slice(a.lastIndexOf("@") + 1)))];
const domains = [
  ...generatedDomains,
  ...HOSTILE_DOMAINS,
  ...HOSTILE_DOMAINS.map((d) => d.toUpperCase()),
  ...generatedDomains.map((d) => ` ${d.toUpperCase()}. `),
];
const addresses = [
  ...generated,
  ...generated.slice(0, 2000).map((a) => ` ${a.toUpperCase()} `),
  ...HOSTILE_LOCALS.flatMap((l) => HOSTILE_DOMAINS.map((d) => `${l}@${d}`)),
  ...HOSTILE_DOMAINS,
  "no-at-sign",
  "a@b@c.fr",
  "@mssante.fr",
  "jean@",
  "  ",
];

describe("shared/domain/address.ts gives the old answers", () => {
  it("has IDN domains, upper case and the generator's addresses in its input", () => {
    expect(generated.length).toBe(16_000);
    expect(generatedDomains.some((d) => /[^\x00-\x7f]/.test(d))).toBe(true); // the generator's few IDN domains
  });

  it("domainToAscii is node:url's domainToASCII", () => {
    for (const d of domains) expect([d, domainToAscii(d)]).toEqual([d, domainToASCII(d)]);
  });

  it("normalizeAddress (the directory's)", () => {
    for (const a of addresses) expect([a, normalizeAddress(a)]).toEqual([a, oldDirectoryAddress(a)]);
  });

  it("normalizeDomain (the trust list's)", () => {
    for (const d of domains) expect([d, normalizeDomain(d)]).toEqual([d, oldTrustDomain(d)]);
  });

  it("asciiDomainAddress (the LDAP filter's)", () => {
    for (const a of addresses) expect([a, asciiDomainAddress(a)]).toEqual([a, oldLdapMail(a)]);
  });

  it("normalizeTypedAddress (the extension's)", () => {
    for (const a of addresses) expect([a, normalizeTypedAddress(a)]).toEqual([a, oldRecipientAddress(a)]);
  });
});
