/**
 * The `IHE_XDM.zip` attachment of a raw message (RFC 5322 / MIME, RFC 2045–2046), and its
 * `X-MSS-INS` header (pure). A minimal MIME walk: headers unfolded, multipart split on its boundary
 * (nested multiparts followed to a bounded depth and count), the part named `IHE_XDM.zip` (by
 * Content-Disposition's filename or Content-Type's name, RFC 2231 `filename*` included) decoded
 * from base64, 7bit, 8bit or binary. Bytes are kept as a one-byte-per-character string so that a
 * binary part comes back unchanged.
 */
import { decodeBase64 } from "./base64.ts";

export const XDM_ATTACHMENT_NAME = "IHE_XDM.zip";
const MAX_DEPTH = 8;
const MAX_PARTS = 500;

export interface EmlXdm {
  /** The archive's bytes, or null with the reason. */
  archive: Uint8Array | null;
  reason: "found" | "no-attachment" | "unsupported-encoding" | "bad-base64" | "too-complex";
  /** The top-level `X-MSS-INS` header, or null. */
  insHeader: string | null;
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

function binaryString(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

function parsePart(text: string): Part {
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const body = m ? text.slice(m.index + m[0].length) : "";
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** A header parameter (`name="v"`, `name=v`, RFC 2231 `name*=charset''v`). */
export function headerParam(value: string, name: string): string | null {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const extended = new RegExp(`;\\s*${escaped}\\*\\s*=\\s*([^;]*)`, "i").exec(value);
  if (extended) {
    const v = extended[1]!.trim().replace(/^[^']*'[^']*'/, "");
    try {
      return decodeURIComponent(v);
    } catch {
      return v;
    }
  }
  const plain = new RegExp(`;\\s*${escaped}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i").exec(value);
  if (!plain) return null;
  return plain[1] !== undefined ? plain[1].replace(/\\(.)/g, "$1") : (plain[2] ?? null);
}

function subparts(part: Part): string[] | null {
  const type = part.headers.get("content-type") ?? "";
  if (!/^\s*multipart\//i.test(type)) return null;
  const boundary = headerParam(type, "boundary");
  if (!boundary) return [];
  const delimiter = `--${boundary}`;
  const out: string[] = [];
  const pieces = part.body.split(new RegExp(`(?:^|\\r?\\n)${delimiter.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  for (const piece of pieces.slice(1)) {
    if (piece.startsWith("--")) break;
    out.push(piece.replace(/^[ \t]*\r?\n/, ""));
  }
  return out;
}

function fileName(part: Part): string | null {
  const disposition = part.headers.get("content-disposition") ?? "";
  return headerParam(disposition, "filename") ?? headerParam(part.headers.get("content-type") ?? "", "name");
}

function decodeBody(part: Part): Pick<EmlXdm, "archive" | "reason"> {
  const encoding = (part.headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  if (encoding === "base64") {
    const bytes = decodeBase64(part.body);
    return bytes ? { archive: bytes, reason: "found" } : { archive: null, reason: "bad-base64" };
  }
  if (!["7bit", "8bit", "binary"].includes(encoding)) return { archive: null, reason: "unsupported-encoding" };
  const body = part.body;
  const bytes = new Uint8Array(body.length);
  for (let i = 0; i < body.length; i++) bytes[i] = body.charCodeAt(i);
  return { archive: bytes, reason: "found" };
}

function find(text: string, depth: number, budget: { parts: number }): Part | "too-complex" | null {
  if (depth > MAX_DEPTH || --budget.parts < 0) return "too-complex";
  const part = parsePart(text);
  const children = subparts(part);
  if (children === null) return fileName(part)?.toLowerCase() === XDM_ATTACHMENT_NAME.toLowerCase() ? part : null;
  for (const child of children) {
    const found = find(child, depth + 1, budget);
    if (found !== null) return found;
  }
  return null;
}

export function xdmFromEml(eml: Uint8Array): EmlXdm {
  const text = binaryString(eml);
  const insHeader = parsePart(text).headers.get("x-mss-ins") ?? null;
  const found = find(text, 0, { parts: MAX_PARTS });
  if (found === null) return { archive: null, reason: "no-attachment", insHeader };
  if (found === "too-complex") return { archive: null, reason: "too-complex", insHeader };
  return { ...decodeBody(found), insHeader };
}
