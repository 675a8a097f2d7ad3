/**
 * The mssReadReceipts Experiment's API as the extension calls it (messenger.mssReadReceipts): one
 * definition for both sides, checked against schema.json by extension/experiments/mss-read-receipts.test.ts.
 */

/** A read receipt the GP returned or declined (Thunderbird's MDN generator, RFC 8098). */
export interface ReadReceiptAnswer {
  /** The key of the account that received the message, "" when unknown. */
  accountId: string;
  /** The Message-ID of the message the receipt is about, without angle brackets, "" when unknown. */
  messageId: string;
  /** The address the receipt goes to (Disposition-Notification-To), "" when unreadable. */
  to: string;
  /** sent: Thunderbird sends the receipt; declined: the GP chose not to. */
  outcome: "sent" | "declined";
  /** Sent by the account's settings without asking (MSSanté accounts are set to ask). */
  automatic: boolean;
}

export interface MssReadReceiptsApi {
  onAnswered: {
    addListener(listener: (answer: ReadReceiptAnswer) => void): void;
    removeListener(listener: (answer: ReadReceiptAnswer) => void): void;
  };
}
