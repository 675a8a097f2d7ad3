/**
 * Reads a delivery report (pure): a delivery status notification (RFC 3464, multipart/report with
 * report-type=delivery-status) or a message disposition notification (RFC 8098,
 * report-type=disposition-notification). The original message is named by the Message-ID in the
 * returned headers (text/rfc822-headers or message/rfc822), else by the MDN's
 * Original-Message-ID, else by a DSN's Original-Envelope-Id when it has the form of a Message-ID.
 * Nothing of the report's human-readable text or of the original body is kept.
 */
import { decodedBody, firstHeader, type MimeEntity, parseContentType, parseEntity, parseFields, splitMultipart } from "./mime-entity.ts";

export type DsnAction = "delivered" | "relayed" | "expanded" | "delayed" | "failed";
const ACTIONS: readonly DsnAction[] = ["delivered", "relayed", "expanded", "delayed", "failed"];

export interface DsnRecipient {
  /** The final recipient's address, lower-case. */
  address: string;
  action: DsnAction;
  /** The RFC 3463 status code ("2.0.0", "5.1.1"), or null. */
  status: string | null;
}

export type DeliveryReport =
  | { kind: "dsn"; originalMessageId: string | null; envelopeId: string | null; recipients: DsnRecipient[] }
  | {
      kind: "mdn";
      originalMessageId: string | null;
      /** The final recipient (the reader), lower-case, or null. */
      address: string | null;
      /** RFC 8098 disposition type: displayed, deleted, dispatched, processed… (lower-case). */
      disposition: string;
    };

/** "<abc@host>" → "abc@host" (Thunderbird's headerMessageId has no angle brackets). */
export function bareMessageId(value: string | null | undefined): string | null {
  if (!value) return null;
  const m = /<([^<>\s]+)>/.exec(value);
  const id = (m ? m[1]! : value.trim()).trim();
  return id && /^[^\s<>]+$/.test(id) ? id : null;
}

/** "rfc822; Bob@B.example" → "bob@b.example". */
function addressOf(value: string | null | undefined): string | null {
  if (!value) return null;
  const semi = value.indexOf(";");
  const addr = (semi >= 0 ? value.slice(semi + 1) : value).trim().replace(/^<|>$/g, "");
  return addr ? addr.toLowerCase() : null;
}

/** The blocks of a message/delivery-status or message/disposition-notification body. */
function fieldGroups(body: string): Map<string, string[]>[] {
  return body
    .split(/\r?\n[ \t]*\r?\n/)
    .map((b) => parseFields(b))
    .filter((g) => g.size > 0);
}

function first(g: Map<string, string[]> | undefined, name: string): string | null {
  return g?.get(name)?.[0] ?? null;
}

function returnedMessageId(parts: MimeEntity[]): string | null {
  for (const p of parts) {
    const type = parseContentType(firstHeader(p, "content-type")).type;
    if (type === "text/rfc822-headers" || type === "message/rfc822" || type === "message/global-headers") {
      const id = bareMessageId(firstHeader(parseEntity(decodedBody(p)), "message-id"));
      if (id) return id;
    }
  }
  return null;
}

type Typed = (type: string) => MimeEntity | undefined;

function readDsn(typed: Typed, returned: string | null): DeliveryReport | null {
  const part = typed("message/delivery-status") ?? typed("message/global-delivery-status");
  if (!part) return null;
  const [perMessage, ...perRecipient] = fieldGroups(decodedBody(part));
  const envelopeId = first(perMessage, "original-envelope-id");
  const recipients: DsnRecipient[] = [];
  for (const g of perRecipient) {
    const address = addressOf(first(g, "final-recipient") ?? first(g, "original-recipient"));
    const action = (first(g, "action") ?? "").toLowerCase().trim() as DsnAction;
    if (!address || !ACTIONS.includes(action)) continue;
    const status = /^\d\.\d{1,3}\.\d{1,3}/.exec(first(g, "status") ?? "")?.[0] ?? null;
    recipients.push({ address, action, status });
  }
  if (recipients.length === 0) return null;
  const envelopeAsId = envelopeId?.includes("@") ? bareMessageId(envelopeId) : null;
  return { kind: "dsn", originalMessageId: returned ?? envelopeAsId, envelopeId, recipients };
}

function readMdn(typed: Typed, returned: string | null): DeliveryReport | null {
  const part = typed("message/disposition-notification") ?? typed("message/global-disposition-notification");
  if (!part) return null;
  const g = new Map<string, string[]>();
  for (const group of fieldGroups(decodedBody(part))) for (const [k, v] of group) g.set(k, [...(g.get(k) ?? []), ...v]);
  // "manual-action/MDN-sent-manually; displayed" (RFC 8098 §3.2.6), modifiers after a "/".
  const disposition = /;\s*([A-Za-z-]+)/.exec(first(g, "disposition") ?? "")?.[1]?.toLowerCase();
  if (!disposition) return null;
  return {
    kind: "mdn",
    originalMessageId: bareMessageId(first(g, "original-message-id")) ?? returned,
    address: addressOf(first(g, "final-recipient")),
    disposition,
  };
}

/** The report in a raw message (RFC 822 text, as messages.getRaw gives it), or null when it is not one. */
export function parseDeliveryReport(raw: string): DeliveryReport | null {
  const top = parseEntity(raw);
  const ct = parseContentType(firstHeader(top, "content-type"));
  const boundary = ct.params.get("boundary");
  if (ct.type !== "multipart/report" || !boundary) return null;
  const reportType = (ct.params.get("report-type") ?? "").toLowerCase();
  const parts = splitMultipart(top.body, boundary);
  const typed: Typed = (t) => parts.find((p) => parseContentType(firstHeader(p, "content-type")).type === t);
  if (reportType === "delivery-status") return readDsn(typed, returnedMessageId(parts));
  if (reportType === "disposition-notification") return readMdn(typed, returnedMessageId(parts));
  return null;
}
