/**
 * A small MIME reader for the tests that look at a delivered message (a Maildir file): the
 * top-level headers (unfolded, names lower-cased) and every leaf part with its file name
 * (Content-Disposition or Content-Type `name`, quoted or not; RFC 2231 continuations are not
 * needed by the messages the tests send) and its decoded body (base64, quoted-printable or as is). Nested multiparts
 * are walked.
 */

export interface MimeLeaf {
  headers: Map<string, string>;
  contentType: string;
  name: string | null;
  body: Buffer;
}

function split(raw: string): { headers: Map<string, string>; body: string } {
  const end = raw.search(/\r?\n\r?\n/);
  const head = end < 0 ? raw : raw.slice(0, end);
  const body = end < 0 ? "" : raw.slice(end).replace(/^\r?\n\r?\n/, "");
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) {
      const name = line.slice(0, i).trim().toLowerCase();
      const value = line.slice(i + 1).trim();
      headers.set(name, headers.has(name) ? `${headers.get(name)}\n${value}` : value);
    }
  }
  return { headers, body };
}

function param(value: string | undefined, name: string): string | null {
  const m = new RegExp(`(?:^|;)\\s*${name}\\*?=\\s*(?:"([^"]*)"|([^;\\s]+))`, "i").exec(value ?? "");
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/** The message's top-level headers. */
export function topHeaders(raw: string): Map<string, string> {
  return split(raw).headers;
}

/** Every leaf part of the message, depth first. */
export function mimeLeaves(raw: string): MimeLeaf[] {
  const { headers, body } = split(raw);
  const contentType = (headers.get("content-type") ?? "text/plain").split(";")[0]!.trim().toLowerCase();
  if (contentType.startsWith("multipart/")) {
    const boundary = param(headers.get("content-type"), "boundary");
    if (!boundary) return [];
    const parts = body.split(`--${boundary}`).slice(1);
    return parts.filter((p) => !p.startsWith("--")).flatMap((p) => mimeLeaves(p.replace(/^\r?\n/, "")));
  }
  const encoding = (headers.get("content-transfer-encoding") ?? "").toLowerCase();
  const name = param(headers.get("content-disposition"), "filename") ?? param(headers.get("content-type"), "name");
  const bytes =
    encoding === "base64"
      ? Buffer.from(body.replace(/\s+/g, ""), "base64")
      : encoding === "quoted-printable"
        ? Buffer.from(
            body.replace(/=\r?\n/g, "").replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
            "latin1",
          )
        : Buffer.from(body.replace(/\r?\n$/, ""), "latin1");
  return [{ headers, contentType, name, body: bytes }];
}
