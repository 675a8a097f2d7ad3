/**
 * A small MIME reader for delivery reports (pure): an entity's unfolded header fields, a header's
 * parameters, the parts of a multipart body. Enough for RFC 3462/6522 multipart/report as mail
 * servers and Thunderbird write it; not a general MIME parser (no nested encodings of names).
 */

export interface MimeEntity {
  /** Lower-case field names → values in order, unfolded. */
  headers: Map<string, string[]>;
  body: string;
}

/** Header fields of a block of "Name: value" lines (continuation lines folded back in). */
export function parseFields(block: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  let current: { name: string; value: string } | null = null;
  const flush = () => {
    if (!current) return;
    const list = fields.get(current.name) ?? [];
    list.push(current.value.trim());
    fields.set(current.name, list);
    current = null;
  };
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && current) {
      (current as { value: string }).value += ` ${line.trim()}`;
      continue;
    }
    flush();
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    current = { name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1) };
  }
  flush();
  return fields;
}

/** Splits an entity at its first empty line: header fields, then the body. */
export function parseEntity(raw: string): MimeEntity {
  const m = /\r?\n\r?\n/.exec(raw);
  if (!m) return { headers: parseFields(raw), body: "" };
  return { headers: parseFields(raw.slice(0, m.index)), body: raw.slice(m.index + m[0].length) };
}

export function firstHeader(e: MimeEntity, name: string): string | null {
  return e.headers.get(name.toLowerCase())?.[0] ?? null;
}

/** "multipart/report; report-type=delivery-status; boundary=\"x\"" → type and lower-case-named parameters. */
export function parseContentType(value: string | null): { type: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  if (!value) return { type: "text/plain", params };
  const [type = "", ...rest] = value.split(";");
  const re = /([^=\s;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  const tail = rest.join(";");
  for (let m = re.exec(tail); m; m = re.exec(tail)) {
    let v = m[2]!.trim();
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
    params.set(m[1]!.toLowerCase(), v);
  }
  return { type: type.trim().toLowerCase(), params };
}

/** The body parts of a multipart entity (empty when the boundary never opens). */
export function splitMultipart(body: string, boundary: string): MimeEntity[] {
  const lines = body.split(/\r?\n/);
  const parts: string[][] = [];
  let current: string[] | null = null;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === `--${boundary}--`) break;
    if (trimmed === `--${boundary}`) {
      if (current) parts.push(current);
      current = [];
      continue;
    }
    current?.push(line);
  }
  if (current) parts.push(current);
  return parts.map((p) => parseEntity(p.join("\n")));
}

/** A part's body, its Content-Transfer-Encoding undone (base64 and quoted-printable; others as is). */
export function decodedBody(e: MimeEntity): string {
  const cte = (firstHeader(e, "content-transfer-encoding") ?? "").toLowerCase().trim();
  if (cte === "base64") {
    const bin = atob(e.body.replace(/[^A-Za-z0-9+/=]/g, ""));
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  }
  if (cte === "quoted-printable") {
    const bytes: number[] = [];
    const text = e.body.replace(/=\r?\n/g, "");
    for (let i = 0; i < text.length; i++) {
      const hex = text[i] === "=" ? text.slice(i + 1, i + 3) : "";
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        bytes.push(Number.parseInt(hex, 16));
        i += 2;
      } else bytes.push(...new TextEncoder().encode(text[i]!));
    }
    return new TextDecoder().decode(new Uint8Array(bytes));
  }
  return e.body;
}
