/**
 * One line of the functional trace of mailbox actions (ECO.4.1.1/4.1.2), pure: who, when, what,
 * which message and server. Never a body or a subject; a patient recipient only as
 * "patient:<keyed hash>" (recipient-label.ts), never the address that holds the INS.
 */
export type TraceAction =
  | "send"
  | "delete"
  | "move"
  /** A message marked read (opened, or marked by hand) or unread. */
  | "read"
  | "unread"
  /** A message flagged (starred) or unflagged. */
  | "flag"
  | "unflag"
  /** A delivery or read report received for a message the GP sent. */
  | "receipt"
  /** A read receipt the GP returned (sent) for a message received. */
  | "receipt-returned"
  /** A read receipt the GP declined to return. */
  | "receipt-declined"
  | "guard-allow"
  | "guard-block";

export interface TraceEntry {
  /** ISO date-time. */
  at: string;
  action: TraceAction;
  /** The account's or identity's address (the GP), or "" when the event does not say. */
  who: string;
  /** The message's Message-ID (without angle brackets), or "". */
  messageId: string;
  /** The server concerned (SMTP host for a send, IMAP host for the mailbox), or "". */
  server: string;
  /** Recipient labels: an address, or "patient:<hash>". */
  recipients: string[];
  /** A short code: the folder moved to, the guard's reason, the receipt's state. No free text. */
  detail: string;
}
