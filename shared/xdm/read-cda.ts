/**
 * A CDA R2 document of an XDM archive (HL7 CDA R2, namespace urn:hl7-org:v3), read without
 * throwing: its title and type code, and its body — the PDF of a `nonXMLBody` (ANS CI-SIS "Volet
 * Structuration minimale", level 1: the PDF in base64, `mediaType="application/pdf"`), or a
 * `structuredBody` rendered as script-free HTML (cda-html.ts).
 */
import { decodeBase64 } from "./base64.ts";
import { structuredBodyHtml } from "./cda-html.ts";
import { XdmFailure, type XdmProblem, xdmProblem } from "./xdm-problems.ts";
import { childElement, DEFAULT_XML_LIMITS, parseXml, textOf, type XmlElement } from "./xml-tree.ts";

/**
 * A CDA carries its PDF in base64 (one long text run, set aside before parsing): a 25 MB message's
 * document fits, up to the ZIP entry limit. A structured body may be a long table.
 */
const CDA_LIMITS = { ...DEFAULT_XML_LIMITS, maxBytes: 32 * 1024 * 1024, maxMarkup: 100_000 };

export type CdaBody =
  | { kind: "pdf"; pdf: Uint8Array }
  | { kind: "html"; html: string }
  /** A non-XML body in another format (an image, text…): its bytes, to be offered for download only. */
  | { kind: "other"; mediaType: string | null; bytes: Uint8Array };

export interface CdaReading {
  title: string | null;
  code: string | null;
  body: CdaBody | null;
  problems: XdmProblem[];
}

function nonXmlBody(el: XmlElement, file: string | undefined): { body: CdaBody; problems: XdmProblem[] } {
  const text = childElement(el, "text") ?? fail("CDA_NO_BODY", file);
  const raw = text.children.filter((c) => typeof c === "string").join("");
  const mediaType = text.attrs.mediaType ?? null;
  const bytes = text.attrs.representation === "B64" ? decodeBase64(raw) : new TextEncoder().encode(raw);
  if (bytes === null) fail("CDA_BAD_BASE64", file);
  if (mediaType !== "application/pdf") return { body: { kind: "other", mediaType, bytes }, problems: [] };
  const isPdf = new TextDecoder("latin1").decode(bytes.subarray(0, 5)) === "%PDF-";
  return isPdf
    ? { body: { kind: "pdf", pdf: bytes }, problems: [] }
    : { body: { kind: "other", mediaType, bytes }, problems: [xdmProblem("CDA_NOT_PDF", file)] };
}

function fail(code: "CDA_NO_BODY" | "CDA_BAD_BASE64" | "CDA_NOT_CDA", file: string | undefined): never {
  throw new XdmFailure(xdmProblem(code, file));
}

function readDocument(root: XmlElement, file: string | undefined): CdaReading {
  if (root.name !== "ClinicalDocument") fail("CDA_NOT_CDA", file);
  const titleEl = childElement(root, "title");
  const title = titleEl ? textOf(titleEl) || null : null;
  const code = childElement(root, "code")?.attrs.code ?? null;
  const component = childElement(root, "component") ?? fail("CDA_NO_BODY", file);
  const structured = childElement(component, "structuredBody");
  if (structured) return { title, code, body: { kind: "html", html: structuredBodyHtml(structured, title) }, problems: [] };
  const nonXml = childElement(component, "nonXMLBody") ?? fail("CDA_NO_BODY", file);
  return { title, code, ...nonXmlBody(nonXml, file) };
}

export function readCda(bytes: Uint8Array, file?: string): CdaReading {
  try {
    return readDocument(parseXml(bytes, file, CDA_LIMITS), file);
  } catch (e) {
    const problem = e instanceof XdmFailure ? e.problem : xdmProblem("UNEXPECTED", file);
    return { title: null, code: null, body: null, problems: [problem] };
  }
}
