/**
 * The trace as CSV (RFC 4180, pure): a header line, CRLF line ends, fields quoted when they hold a
 * separator, a quote or a line break. A field a spreadsheet would read as a formula (starting with
 * =, +, -, @, a tab or a carriage return) gets a leading apostrophe (OWASP "CSV injection").
 */
import type { TraceEntry } from "./trace-entry.ts";

export const CSV_HEADER = ["date", "action", "qui", "message_id", "serveur", "destinataires", "detail"] as const;

export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",;\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function traceCsv(entries: readonly TraceEntry[]): string {
  const lines = [CSV_HEADER.join(",")];
  for (const e of entries)
    lines.push([e.at, e.action, e.who, e.messageId, e.server, e.recipients.join(" "), e.detail].map(csvField).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
