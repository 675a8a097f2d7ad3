/**
 * Reads a delivery report (pure), the one parser of reports for the extension and shared code: a
 * delivery status notification (RFC 3464, multipart/report with report-type=delivery-status) or a
 * message disposition notification (RFC 8098, report-type=disposition-notification).
 * - parseDeliveryReport: what the receipts need (delivery and read states). The original message
 *   is named by the Message-ID in the returned headers (text/rfc822-headers or message/rfc822),
 *   else by the MDN's Original-Message-ID, else by a DSN's Original-Envelope-Id when it has the
 *   form of a Message-ID.
 * - readDsnFields: all of a DSN's machine-readable fields (Reporting-MTA; per recipient Action,
 *   Status, Diagnostic-Code, Remote-MTA), for Mon espace santé's bounces (mes-bounce.ts).
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

/** One per-recipient block of a DSN, as written (any Action, the address possibly missing). */
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

/** The message/delivery-status part's fields. */
export interface DsnFields {
  /** Reporting-MTA's name, lower-case, or null. */
  reportingMta: string | null;
  recipients: DsnRecipientFields[];
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

/** "rfc822; <Bob@B.example>" → "bob@b.example"; "dns; mx.example" → "mx.example". */
function typedValue(value: string | null | undefined): string | null {
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

/** The DSN's fields, and its Original-Envelope-Id as written (or null). */
function dsnFieldsOf(typed: Typed): { fields: DsnFields; envelopeId: string | null } | null {
  const part = typed("message/delivery-status") ?? typed("message/global-delivery-status");
  if (!part) return null;
  const [perMessage, ...perRecipient] = fieldGroups(decodedBody(part));
  const recipients = perRecipient.map((g) => {
    const diagnostic = first(g, "diagnostic-code");
    return {
      address: typedValue(first(g, "final-recipient") ?? first(g, "original-recipient")),
      action: (first(g, "action") ?? "").trim().toLowerCase(),
      status: /^\d\.\d{1,3}\.\d{1,3}/.exec(first(g, "status") ?? "")?.[0] ?? null,
      diagnostic: diagnostic === null ? null : diagnostic.replace(/^[^;]*;\s*/, ""),
      remoteMta: typedValue(first(g, "remote-mta")),
    };
  });
  return {
    fields: { reportingMta: typedValue(first(perMessage, "reporting-mta")), recipients },
    envelopeId: first(perMessage, "original-envelope-id"),
  };
}

function readDsn(typed: Typed, returned: string | null): DeliveryReport | null {
  const dsn = dsnFieldsOf(typed);
  if (!dsn) return null;
  const recipients: DsnRecipient[] = [];
  for (const { address, action, status } of dsn.fields.recipients) {
    if (!address || !ACTIONS.includes(action as DsnAction)) continue;
    recipients.push({ address, action: action as DsnAction, status });
  }
  if (recipients.length === 0) return null;
  const { envelopeId } = dsn;
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
    address: typedValue(first(g, "final-recipient")),
    disposition,
  };
}

/** A multipart/report's report-type and its parts by type, or null when the message is not a report. */
function reportOf(raw: string): { reportType: string; parts: MimeEntity[]; typed: Typed } | null {
  const top = parseEntity(raw);
  const ct = parseContentType(firstHeader(top, "content-type"));
  const boundary = ct.params.get("boundary");
  if (ct.type !== "multipart/report" || !boundary) return null;
  const parts = splitMultipart(top.body, boundary);
  const typed: Typed = (t) => parts.find((p) => parseContentType(firstHeader(p, "content-type")).type === t);
  return { reportType: (ct.params.get("report-type") ?? "").toLowerCase(), parts, typed };
}

/** The report in a raw message (RFC 822 text, as messages.getRaw gives it), or null when it is not one. */
export function parseDeliveryReport(raw: string): DeliveryReport | null {
  const report = reportOf(raw);
  if (report?.reportType === "delivery-status") return readDsn(report.typed, returnedMessageId(report.parts));
  if (report?.reportType === "disposition-notification") return readMdn(report.typed, returnedMessageId(report.parts));
  return null;
}

/** The DSN fields of a raw message, or null when it is not a delivery status notification. */
export function readDsnFields(raw: string): DsnFields | null {
  const report = reportOf(raw);
  return report?.reportType === "delivery-status" ? (dsnFieldsOf(report.typed)?.fields ?? null) : null;
}
