/**
 * Writing to patients (Mon espace santé), pure (docs/domain/referentiel-2.md, "Patients"; ECO.2.2.6):
 * which recipients are patients, whether their address is an INS matricule (ins-matricule.ts
 * decides), and the message's size as submitted against Mon espace santé's 25 MB per message.
 *
 * The size is an estimate from what Thunderbird's compose API gives before sending
 * (compose.getComposeDetails: the body as HTML and as plain text, subject, addresses;
 * compose.listAttachments: each attachment's name and size in bytes), computed as the message
 * will travel:
 * - each attachment base64-encoded (4 characters per 3 bytes), in lines of 76 characters ending
 *   with CRLF (RFC 2045 §6.8), plus its part headers (content type, disposition, the file name
 *   twice) and boundary line;
 * - the body as UTF-8 bytes, the HTML and its plain-text alternative both when the message is HTML
 *   (Thunderbird sends multipart/alternative), the plain text alone otherwise;
 * - the headers we know (From, To, Cc, Subject) plus a fixed allowance for the ones Thunderbird
 *   and the servers add (Message-ID, Date, MIME-Version, Content-Type, User-Agent, X-MSS-*, the
 *   operator's Received lines).
 * Bodies are small next to attachments, which dominate a message near the limit.
 *
 * "25 Mo" is read as 25,000,000 bytes: the stricter of its two readings (25 MiB = 26,214,400).
 * Which one Mon espace santé applies, and whether it counts the message as submitted or as
 * received, is (unconfirmed).
 */
import { checkPatientAddress, type InsReason, PATIENT_DOMAIN } from "./ins-matricule.ts";

/** Mon espace santé's limit per message, in bytes of the encoded message. */
export const PATIENT_MESSAGE_LIMIT = 25_000_000;

/** Headers Thunderbird and the servers add that compose details do not show (bytes). */
export const HEADER_ALLOWANCE = 2048;
/** One attachment's part headers and boundary line, besides its file name (bytes). */
export const PART_ALLOWANCE = 256;

export type PatientRecipient = { ok: true } | { ok: false; reason: InsReason };

/** A recipient's address at Mon espace santé: whether it is an INS matricule; null for anyone else. */
export function patientRecipient(address: string): PatientRecipient | null {
  return checkPatientAddress(address);
}

/** The address with its INS hidden, for records and logs: an INS is patient data. */
export function maskPatientAddress(address: string): string {
  return checkPatientAddress(address) === null ? address : `[INS]@${PATIENT_DOMAIN}`;
}

/** Bytes of `n` bytes base64-encoded in 76-character lines ending with CRLF. */
export function base64EncodedSize(n: number): number {
  if (n <= 0) return 0;
  const chars = 4 * Math.ceil(n / 3);
  return chars + 2 * Math.ceil(chars / 76);
}

function utf8Length(s: string | null | undefined): number {
  return s ? new TextEncoder().encode(s).length : 0;
}

export interface ComposedMessage {
  /** Header values known before sending (From, To, Cc, Subject…), as written. */
  headers: readonly string[];
  /** The HTML body (null for a plain-text message). */
  html: string | null;
  /** The plain-text body (or the HTML's plain-text alternative). */
  plainText: string | null;
  attachments: readonly { name: string; size: number }[];
}

/** The message's size as it will be submitted, in bytes (an estimate; see the file's comment). */
export function encodedMessageSize(msg: ComposedMessage): number {
  let total = HEADER_ALLOWANCE;
  for (const h of msg.headers) total += utf8Length(h) + 16; // the name, ": " and CRLF
  total += utf8Length(msg.html) + utf8Length(msg.plainText);
  for (const a of msg.attachments) total += PART_ALLOWANCE + 2 * utf8Length(a.name) + base64EncodedSize(a.size);
  return total;
}

/** Megabytes (10^6 bytes) for a person, one decimal, in the locale's style ("25,0" in French). */
export function megabytes(bytes: number, lang: string): string {
  const mb = Math.ceil(bytes / 100_000) / 10; // up: a message just over the limit never reads as at it
  return new Intl.NumberFormat(lang.startsWith("fr") ? "fr-FR" : "en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(
    mb,
  );
}
