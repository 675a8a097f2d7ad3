/**
 * The MSSanté trust space: parsing the ANS whitelist XML and deciding whether an address is inside
 * (pure, no I/O). Loading, downloading and caching live in whitelist-store.ts.
 *
 * The list (historically https://espacedeconfiance.mssante.fr/listeblanchemssante.xml) is in the
 * namespace https://listeblanche.mssante.fr/schema with the operator domains at //Domaine/Nom;
 * some are Unicode, so every name is normalised with IDNA and lower-cased (normalizeDomain,
 * shared/domain/address.ts).
 *
 * Matching rule (documented in the README): a domain is trusted only when it is listed exactly.
 * Subdomains of a listed domain are NOT implicitly trusted: the ANS lists each mail domain an
 * operator serves (medecin.mssante.fr, pharmacien.mssante.fr, … are listed one by one), and an
 * unlisted subdomain is not known to be run under the trust-space contract.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import type { TrustDecision, TrustList } from "../../shared/domain/trust.ts";
import { normalizeDomain } from "../../shared/domain/address.ts";

export const WHITELIST_NAMESPACE = "https://listeblanche.mssante.fr/schema";
/** The real list is ~5,000 domains (a few hundred kB); anything far bigger is not a whitelist. */
export const MAX_WHITELIST_BYTES = 16 * 1024 * 1024;

export interface ParsedWhitelist extends TrustList {
  /** Names that are not valid domains after IDNA (skipped), for the log. */
  rejected: string[];
  /** Non-fatal remarks (unexpected namespace, …). */
  warnings: string[];
}

/** Attributes of the root element that may carry the list's date (the real name is unconfirmed). */
const DATE_ATTRIBUTES = ["date", "dateMiseAJour", "dateGeneration", "dateCreation", "dateMaj", "generated"];

function fail(message: string): never {
  throw new BridgeError(ErrorCode.TRUST_LIST_UNAVAILABLE, message);
}

function isoDate(value: unknown): string | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  const d = new Date(String(value));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Collects the text of each Nom of one Domaine element (a Nom is text, a number, or an element with text). */
function collectNoms(dom: Record<string, unknown>, out: string[]): void {
  const nom = dom.Nom;
  for (const n of Array.isArray(nom) ? nom : [nom]) {
    if (typeof n === "string" || typeof n === "number") out.push(String(n));
    else if (n && typeof n === "object" && typeof (n as Record<string, unknown>)["#text"] === "string") {
      out.push((n as Record<string, string>)["#text"]!);
    }
  }
}

/** Collects the text of every Nom directly under a Domaine, wherever the Domaine sits (//Domaine/Nom). */
function collectDomainNames(node: unknown, out: string[], depth = 0): void {
  if (depth > 32 || node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const n of node) collectDomainNames(n, out, depth + 1);
    return;
  }
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key.startsWith("@_")) continue;
    if (key === "Domaine") {
      for (const dom of Array.isArray(value) ? value : [value]) {
        if (dom === null || typeof dom !== "object") continue;
        collectNoms(dom as Record<string, unknown>, out);
        collectDomainNames(dom, out, depth + 1);
      }
    } else {
      collectDomainNames(value, out, depth + 1);
    }
  }
}

/** Namespace URIs declared on the root element (the parser drops prefixes, so read the start tag). */
function rootNamespaces(text: string): string[] {
  const start = /<(?![?!])[^>]*>/.exec(text.replace(/<!--[\s\S]*?-->/g, ""));
  if (!start) return [];
  return [...start[0].matchAll(/xmlns(?::[\w.-]+)?\s*=\s*["']([^"']*)["']/g)].map((m) => m[1]!);
}

/**
 * Parses the whitelist XML. Hostile input is refused, not expanded: a DOCTYPE (the only way to
 * declare entities) is rejected outright, entity processing is off, and the size is bounded.
 * Throws BridgeError TRUST_LIST_UNAVAILABLE with what to do when the text is not a usable list.
 */
export function parseWhitelistXml(xml: string): ParsedWhitelist {
  if (xml.length > MAX_WHITELIST_BYTES)
    fail("The trust-space list is larger than 16 MB; it is not a whitelist. Check trust.whitelistSource.");
  const text = xml.replace(/^\uFEFF/, "");
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    fail(
      "The trust-space list contains a DOCTYPE/ENTITY declaration, which is refused (possible entity-expansion attack). Check trust.whitelistSource points at the ANS list.",
    );
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    fail(
      `The trust-space list is not well-formed XML (line ${valid.err.line}: ${valid.err.msg}). Check trust.whitelistSource or download it again.`,
    );
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    removeNSPrefix: true,
    processEntities: false,
    htmlEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
  });
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text) as Record<string, unknown>;
  } catch (e) {
    fail(`The trust-space list could not be parsed (${(e as Error).message}).`);
  }
  const rootKey = Object.keys(doc).find((k) => !k.startsWith("?") && !k.startsWith("@_"));
  if (!rootKey) fail("The trust-space list has no root element.");
  const root = (doc[rootKey] ?? {}) as Record<string, unknown>;
  const warnings: string[] = [];
  const attrs = typeof root === "object" && root !== null ? root : {};
  const ns = rootNamespaces(text);
  if (!ns.includes(WHITELIST_NAMESPACE))
    warnings.push(`unexpected namespace ${ns.length ? ns.join(" ") : "(none)"}, expected ${WHITELIST_NAMESPACE}`);

  const names: string[] = [];
  collectDomainNames(doc, names);
  const domains = new Set<string>();
  const rejected: string[] = [];
  for (const n of names) {
    const d = normalizeDomain(n);
    if (d) domains.add(d);
    else rejected.push(n.slice(0, 100));
  }
  if (domains.size === 0)
    fail("The trust-space list holds no domain at //Domaine/Nom. Check trust.whitelistSource points at the ANS list.");

  let date: string | null = null;
  for (const a of DATE_ATTRIBUTES) {
    date = isoDate(attrs[`@_${a}`]);
    if (date) break;
  }
  const testOnly = String(attrs["@_testOnly"] ?? "").toLowerCase() === "true";
  return { domains: [...domains].sort(), date, testOnly, rejected, warnings };
}

/** The domain of an address in IDNA ASCII form, or a BridgeError INVALID_ADDRESS. */
export function addressDomain(address: string): string {
  const a = address.trim();
  const at = a.lastIndexOf("@");
  const domain = at > 0 ? normalizeDomain(a.slice(at + 1)) : null;
  if (!domain || /\s/.test(a.slice(0, at))) {
    // The address is not repeated: error messages never echo what the client sent.
    throw new BridgeError(
      ErrorCode.INVALID_ADDRESS,
      "The address given is not an e-mail address (expected name@domain). Check it and try again.",
    );
  }
  return domain;
}

/**
 * Is the address inside the trust space? `list` null (no list loaded) → "unknown".
 * Exact domain match only (see the header comment).
 */
export function decideTrust(address: string, list: { domains: ReadonlySet<string>; date: string | null } | null): TrustDecision {
  const domain = addressDomain(address);
  if (!list) return { address: address.trim(), domain, verdict: "unknown", listDate: null };
  return {
    address: address.trim(),
    domain,
    verdict: list.domains.has(domain) ? "trusted" : "untrusted",
    listDate: list.date,
  };
}

/** Does `host` lie in `domain` (equal to it or one of its subdomains)? Both ASCII, lower case. */
export function hostInDomain(host: string, domain: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return h === domain || h.endsWith(`.${domain}`);
}
