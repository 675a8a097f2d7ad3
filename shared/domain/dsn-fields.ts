/**
 * The fields of a delivery status notification (RFC 3464), pure: from a raw message (RFC 5322
 * text, as Thunderbird's messages.getRaw gives it) that is a multipart/report with
 * report-type=delivery-status, the message/delivery-status part's per-message block (Reporting-MTA)
 * and per-recipient blocks (Final-Recipient, Original-Recipient, Action, Status, Diagnostic-Code,
 * Remote-MTA). A small reader for that one part, not a general MIME parser; null for anything else.
 */

export interface DsnRecipientFields {
  /** Final-Recipient's (else Original-Recipient's) address, lower-case; null when absent. */
  address: string | null;
  /** Action, lower-case: failed, delayed, delivered, relayed, expanded. */
  action: string;
  /** The RFC 3463 status code ("5.1.1"), or null. */
  status: string | null;
  /** Diagnostic-Code without its type ("smtp; "), or null. */
  diagnostic: string | null;
  /** Remote-MTA's name, lower-case, or null. */
  remoteMta: string | null;
}

export interface DsnFields {
  /** Reporting-MTA's name, lower-case, or null. */
  reportingMta: string | null;
  recipients: DsnRecipientFields[];
}

/** "Name: value" lines, continuation lines folded back in; lower-case names. */
function fields(block: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | null = null;
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && name) {
      out.set(name, `${out.get(name)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) {
      name = null;
      continue;
    }
    name = line.slice(0, colon).trim().toLowerCase();
    if (!out.has(name)) out.set(name, line.slice(colon + 1).trim());
  }
  return out;
}

function split(entity: string): { headers: Map<string, string>; body: string } {
  const m = /\r?\n\r?\n/.exec(entity);
  return m
    ? { headers: fields(entity.slice(0, m.index)), body: entity.slice(m.index + m[0].length) }
    : { headers: fields(entity), body: "" };
}

function param(value: string, name: string): string | null {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*("([^"]*)"|[^;\\s]+)`, "i").exec(value);
  return m ? (m[2] ?? m[1]!) : null;
}

function decode(body: string, encoding: string | undefined): string {
  if ((encoding ?? "").trim().toLowerCase() !== "base64") return body;
  const bin = atob(body.replace(/[^A-Za-z0-9+/=]/g, ""));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** "rfc822; <Bob@B.example>" → "bob@b.example"; "dns; mx.example" → "mx.example". */
function typedValue(value: string | undefined): string | null {
  if (!value) return null;
  const semi = value.indexOf(";");
  const v = (semi >= 0 ? value.slice(semi + 1) : value).trim().replace(/^<|>$/g, "");
  return v ? v.toLowerCase() : null;
}

/** The DSN fields of a raw message, or null when it is not a delivery status notification. */
export function readDsnFields(raw: string): DsnFields | null {
  const top = split(raw);
  const ct = top.headers.get("content-type") ?? "";
  if (!/^\s*multipart\/report\b/i.test(ct) || (param(ct, "report-type") ?? "").toLowerCase() !== "delivery-status") return null;
  const boundary = param(ct, "boundary");
  if (!boundary) return null;
  const delimiter = `--${boundary}`;
  for (const chunk of top.body.split(delimiter).slice(1)) {
    if (chunk.startsWith("--")) break;
    const part = split(chunk.replace(/^[ \t]*\r?\n/, ""));
    if (!/^\s*message\/(global-)?delivery-status\b/i.test(part.headers.get("content-type") ?? "")) continue;
    const [perMessage, ...perRecipient] = decode(part.body, part.headers.get("content-transfer-encoding"))
      .split(/\r?\n[ \t]*\r?\n/)
      .map(fields)
      .filter((g) => g.size > 0);
    const recipients = perRecipient.map((g) => ({
      address: typedValue(g.get("final-recipient") ?? g.get("original-recipient")),
      action: (g.get("action") ?? "").trim().toLowerCase(),
      status: /^\d\.\d{1,3}\.\d{1,3}/.exec(g.get("status") ?? "")?.[0] ?? null,
      diagnostic: g.has("diagnostic-code") ? g.get("diagnostic-code")!.replace(/^[^;]*;\s*/, "") : null,
      remoteMta: typedValue(g.get("remote-mta")),
    }));
    return { reportingMta: typedValue(perMessage?.get("reporting-mta")), recipients };
  }
  return null;
}
