/**
 * XML read defensively into a small ordered tree (pure). Before fast-xml-parser sees the text:
 * a size limit and a markup limit (the parse's time and memory), and any DOCTYPE or ENTITY declaration refused (no internal or external entity can
 * be defined, so none is expanded or fetched). The parser runs with entity processing off and a
 * nesting limit; the five predefined entities and character references are decoded here.
 * Namespace prefixes are dropped (ebRIM's `rim:`, CDA's default namespace).
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { fail } from "./xdm-problems.ts";

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlChild[];
}
export type XmlChild = XmlElement | string;

export interface XmlLimits {
  maxBytes: number;
  maxDepth: number;
  /** Counted as `<` signs (two per element with content): the parse's time and memory follow it. */
  maxMarkup: number;
}

/**
 * METADATA.XML holds a few kilobytes per document. Measured: 16 MB of small ebRIM elements took
 * 9 s and 320 MB of heap to parse (the bridge runs with 96 MB); 40,000 `<` parse in well under a
 * second and a few tens of megabytes.
 */
export const DEFAULT_XML_LIMITS: XmlLimits = { maxBytes: 4 * 1024 * 1024, maxDepth: 64, maxMarkup: 40_000 };

function markupCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf("<"); i >= 0; i = text.indexOf("<", i + 1)) n++;
  return n;
}

const utf8 = new TextDecoder("utf-8");
const latin1 = new TextDecoder("windows-1252");

/** UTF-8 unless the XML declaration names ISO-8859-1 (some French producers' METADATA.XML). */
function decodeXml(bytes: Uint8Array): string {
  const head = latin1.decode(bytes.subarray(0, 128));
  return /^\s*<\?xml[^>]*encoding\s*=\s*["'](iso-8859-1|iso-8859-15|latin-?1|windows-1252)["']/i.test(head)
    ? latin1.decode(bytes)
    : utf8.decode(bytes);
}

const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Decodes the predefined entities and character references; leaves anything else as written. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (whole, ref: string) => {
    if (!ref.startsWith("#")) return PREDEFINED[ref] ?? whole;
    const cp = ref[1] === "x" ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
    return cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : "\uFFFD";
  });
}

function parser(maxDepth: number): XMLParser {
  return new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "",
    removeNSPrefix: true,
    processEntities: false,
    htmlEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    cdataPropName: "#cdata",
    commentPropName: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: maxDepth,
  });
}

type Ordered = Record<string, unknown>;

/**
 * fast-xml-parser is slow on a long text run (about 6 s for the 16 MB of base64 of a CDA's PDF),
 * so runs over 64 KiB are set aside before parsing, a marker of private-use characters in their
 * place, and put back in the tree.
 */
const LONG_RUN = 64 * 1024;
const MARKER = /\uE000(\d{1,9})\uE001/g;

function setAside(text: string): { text: string; restore: (s: string) => string } {
  const runs: string[] = [];
  const kept: string[] = [];
  let last = 0;
  for (let gt = text.indexOf(">"); gt >= 0; gt = text.indexOf(">", gt + 1)) {
    const lt = text.indexOf("<", gt + 1);
    if (lt < 0) break;
    if (lt - gt - 1 >= LONG_RUN) {
      kept.push(text.slice(last, gt + 1), `\uE000${runs.push(text.slice(gt + 1, lt)) - 1}\uE001`);
      last = lt;
    }
    gt = lt;
  }
  if (runs.length === 0) return { text, restore: (s) => s };
  kept.push(text.slice(last));
  return { text: kept.join(""), restore: (s) => (s.includes("\uE000") ? s.replace(MARKER, (m, i: string) => runs[Number(i)] ?? m) : s) };
}

function convertChildren(list: unknown, restore: (s: string) => string): XmlChild[] {
  const out: XmlChild[] = [];
  for (const item of Array.isArray(list) ? (list as Ordered[]) : []) {
    const key = Object.keys(item).find((k) => k !== ":@");
    if (key === undefined) continue;
    if (key === "#text") out.push(decodeEntities(restore(String(item[key]))));
    else if (key === "#cdata") out.push(cdataText(item[key]));
    else out.push(convertElement(key, item, restore));
  }
  return out;
}

function cdataText(v: unknown): string {
  return Array.isArray(v) ? v.map((x) => String((x as Ordered)["#text"] ?? "")).join("") : "";
}

function convertElement(name: string, item: Ordered, restore: (s: string) => string): XmlElement {
  const attrs: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries((item[":@"] as Ordered | undefined) ?? {})) attrs[k] = decodeEntities(String(v));
  return { name, attrs, children: convertChildren(item[name], restore) };
}

/**
 * The document element of `bytes` (UTF-8). Throws XdmFailure XML_TOO_BIG, XML_DOCTYPE,
 * XML_TOO_DEEP or XML_MALFORMED, naming `file`.
 */
export function parseXml(bytes: Uint8Array, file?: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  if (bytes.length > limits.maxBytes) fail("XML_TOO_BIG", file);
  const text = decodeXml(bytes);
  if (/<!\s*(DOCTYPE|ENTITY)/i.test(text)) fail("XML_DOCTYPE", file);
  if (markupCount(text) > limits.maxMarkup) fail("XML_TOO_BIG", file);
  if (XMLValidator.validate(text) !== true) fail("XML_MALFORMED", file);
  const { text: shorter, restore } = setAside(text);
  let tree: unknown;
  try {
    tree = parser(limits.maxDepth).parse(shorter);
  } catch (e) {
    return fail(/nested/i.test(String((e as Error)?.message)) ? "XML_TOO_DEEP" : "XML_MALFORMED", file);
  }
  const root = convertChildren(tree, restore).find((c): c is XmlElement => typeof c !== "string");
  return root ?? fail("XML_MALFORMED", file);
}

export function childElements(el: XmlElement, name?: string): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== "string" && (name === undefined || c.name === name));
}

export function childElement(el: XmlElement, name: string): XmlElement | undefined {
  return childElements(el, name)[0];
}

/** The element's text, children's included, whitespace collapsed. */
export function textOf(el: XmlChild): string {
  const raw = typeof el === "string" ? el : el.children.map(textOf).join(" ");
  return raw.replace(/\s+/g, " ").trim();
}

/** Every descendant element called `name`, in document order (depth bounded by the parse). */
export function descendants(el: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  for (const c of childElements(el)) {
    if (c.name === name) out.push(c);
    descendants(c, name, out);
  }
  return out;
}
