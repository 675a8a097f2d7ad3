/**
 * A CDA R2 structured body as readable, script-free HTML (pure). Built, never copied: every text is
 * escaped, each element of CDA's narrative block (HL7 CDA R2 §4.3.5: paragraph, list, table,
 * content, br, sub, sup, caption, footnote…) maps to a fixed HTML element, the only attributes
 * written are `colspan`/`rowspan` when they are small numbers, and anything else (`linkHtml`'s
 * href, `renderMultiMedia`, unknown or hostile elements such as `script`) keeps at most its text.
 * The page carries a Content-Security-Policy that forbids scripts and every external load.
 */
import { childElement, childElements, textOf, type XmlChild, type XmlElement } from "./xml-tree.ts";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const SAME_NAME = new Set(["table", "thead", "tbody", "tfoot", "tr", "sub", "sup", "caption"]);
const CELLS = new Set(["th", "td"]);
const DROPPED = new Set(["renderMultiMedia", "footnoteRef", "col", "colgroup"]);

function cellAttributes(el: XmlElement): string {
  let out = "";
  for (const name of ["colspan", "rowspan"]) {
    const v = el.attrs[name];
    if (v !== undefined && /^[1-9]\d{0,2}$/.test(v)) out += ` ${name}="${v}"`;
  }
  return out;
}

function inner(children: XmlChild[]): string {
  return children.map(node).join("");
}

function wrap(tag: string, el: XmlElement, attrs = ""): string {
  return `<${tag}${attrs}>${inner(el.children)}</${tag}>`;
}

function styled(el: XmlElement): string {
  const style = el.attrs.styleCode ?? "";
  let html = inner(el.children);
  if (/\bBold\b/.test(style)) html = `<strong>${html}</strong>`;
  if (/\bItalics\b/.test(style)) html = `<em>${html}</em>`;
  if (/\bUnderline\b/.test(style)) html = `<u>${html}</u>`;
  return html;
}

function element(el: XmlElement): string {
  if (DROPPED.has(el.name)) return "";
  if (SAME_NAME.has(el.name)) return wrap(el.name, el);
  if (CELLS.has(el.name)) return wrap(el.name, el, cellAttributes(el));
  switch (el.name) {
    case "paragraph":
      return wrap("p", el);
    case "br":
      return "<br>";
    case "list":
      return wrap(el.attrs.listType === "ordered" ? "ol" : "ul", el);
    case "item":
      return wrap("li", el);
    case "footnote":
      return wrap("small", el);
    case "content":
      return styled(el);
    default:
      // linkHtml (no link followed) and anything unknown: the text only.
      return inner(el.children);
  }
}

function node(n: XmlChild): string {
  return typeof n === "string" ? escapeHtml(n) : element(n);
}

function section(s: XmlElement, level: number): string {
  const title = childElement(s, "title");
  const text = childElement(s, "text");
  const heading = title ? `<h${level}>${escapeHtml(textOf(title))}</h${level}>` : "";
  const body = text ? `<div>${inner(text.children)}</div>` : "";
  const nested = childElements(s, "component")
    .flatMap((c) => childElements(c, "section"))
    .map((n) => section(n, Math.min(level + 1, 6)))
    .join("");
  return `<section>${heading}${body}${nested}</section>`;
}

const STYLE =
  "body{font-family:sans-serif;line-height:1.4;margin:1em}table{border-collapse:collapse}" +
  "th,td{border:1px solid #999;padding:2px 6px;text-align:left;vertical-align:top}";
const POLICY = "default-src 'none'; style-src 'unsafe-inline'";

/** The whole page for a structuredBody; `title` is the CDA's title. */
export function structuredBodyHtml(body: XmlElement, title: string | null): string {
  const sections = childElements(body, "component")
    .flatMap((c) => childElements(c, "section"))
    .map((s) => section(s, 2))
    .join("");
  const heading = title ? `<h1>${escapeHtml(title)}</h1>` : "";
  return (
    `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${POLICY}">` +
    `<title>${escapeHtml(title ?? "")}</title><style>${STYLE}</style></head>` +
    `<body><article>${heading}${sections}</article></body></html>`
  );
}
