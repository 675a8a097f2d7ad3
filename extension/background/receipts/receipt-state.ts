/**
 * The state of a sent message per recipient, from the delivery reports received (pure). A report
 * never lowers a state (a late "delayed" after "delivered" is ignored); a failure overrides all.
 * What is kept: addresses, states, status codes, dates; never a subject or a body.
 */
import type { DeliveryReport } from "../../../shared/domain/delivery-report.ts";

export type RecipientState = "delayed" | "relayed" | "delivered" | "deleted" | "read" | "failed";

const RANK: Record<RecipientState, number> = { delayed: 1, relayed: 2, delivered: 3, deleted: 4, read: 4, failed: 5 };

export interface RecipientReceipt {
  state: RecipientState;
  /** When the report arrived (ISO). */
  at: string;
  /** The DSN's status code, or the MDN's disposition. */
  detail: string | null;
}

export interface MessageReceipts {
  recipients: Record<string, RecipientReceipt>;
  updatedAt: string;
}

/** The message's tag: failed if any recipient failed; read when all read; delivered when all reached. */
export type ReceiptTag = "failed" | "read" | "delivered";

function mdnState(disposition: string): RecipientState {
  if (disposition === "displayed") return "read";
  if (disposition === "deleted") return "deleted";
  return "delivered"; // dispatched, processed: the recipient's agent has it
}

/** The recipients' states after one more report (a new object; `current` is not changed). */
export function applyReport(current: MessageReceipts | undefined, report: DeliveryReport, at: string): MessageReceipts {
  const recipients = { ...(current?.recipients ?? {}) };
  const put = (address: string, state: RecipientState, detail: string | null) => {
    const old = recipients[address];
    if (old && RANK[state] < RANK[old.state]) return;
    recipients[address] = { state, at, detail };
  };
  if (report.kind === "dsn") {
    for (const r of report.recipients) put(r.address, r.action === "expanded" ? "delivered" : r.action, r.status);
  } else if (report.address) {
    put(report.address, mdnState(report.disposition), report.disposition);
  }
  return { recipients, updatedAt: at };
}

export function receiptTag(m: MessageReceipts): ReceiptTag | null {
  const states = Object.values(m.recipients).map((r) => r.state);
  if (states.length === 0) return null;
  if (states.includes("failed")) return "failed";
  if (states.every((s) => s === "read")) return "read";
  if (states.every((s) => s !== "delayed")) return "delivered";
  return null;
}
