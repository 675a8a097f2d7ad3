/**
 * The message tags that show a sent message's state in the message list (WebExtensions cannot add
 * a column): their keys, colours and label message names (pure).
 */
import type { ReceiptTag } from "./receipt-state.ts";

export const RECEIPT_TAGS: Record<ReceiptTag, { key: string; color: string; label: string }> = {
  delivered: { key: "mss_delivered", color: "#2E7D32", label: "receiptTagDelivered" },
  read: { key: "mss_read", color: "#1565C0", label: "receiptTagRead" },
  failed: { key: "mss_failed", color: "#B71C1C", label: "receiptTagFailed" },
};

const OURS = new Set(Object.values(RECEIPT_TAGS).map((t) => t.key));

/** A message's tags with ours replaced by the one for `tag`. */
export function withReceiptTag(tags: readonly string[], tag: ReceiptTag): string[] {
  return [...tags.filter((t) => !OURS.has(t)), RECEIPT_TAGS[tag].key];
}
