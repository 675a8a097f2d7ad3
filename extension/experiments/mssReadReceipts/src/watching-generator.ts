/**
 * A stand-in for Thunderbird's MDN generator (nsIMsgMdnGenerator) that does exactly what the
 * original does — every call is passed on, its result and its errors unchanged — and reports the
 * outcome: `userAgreed` (the GP clicked « Envoyer l'accusé de réception ») → sent; `userDeclined`
 * (« Ignorer la demande ») → declined; `process` that did not ask and marked the message as answered
 * (an account set to send receipts by itself) → sent automatically. Thunderbird's message pane
 * calls these (msgHdrView.js); nothing else in Thunderbird gives an extension this event.
 *
 * Pure: works on whatever objects it is given. Reading the facts or reporting them may fail; that
 * never changes what the generator does.
 */
import type { ReadReceiptAnswer } from "./api.ts";

export interface MdnGenerator {
  process(type: number, window: unknown, folder: unknown, key: number, headers: unknown, autoAction: boolean): boolean;
  userAgreed(): void;
  userDeclined(): void;
}

/** What the watcher reads about the message (privileged.ts reads it from Thunderbird). */
export interface MessageReader {
  /** Whether the message is marked as answered (nsMsgMessageFlags.MDNReportSent). */
  answered(folder: unknown, key: number): boolean;
  /** Its account, Message-ID and the receipt's address. */
  facts(folder: unknown, key: number, headers: unknown): Pick<ReadReceiptAnswer, "accountId" | "messageId" | "to">;
}

export function watchingGenerator(inner: MdnGenerator, reader: MessageReader, report: (answer: ReadReceiptAnswer) => void): MdnGenerator {
  let message: { folder: unknown; key: number; headers: unknown } | null = null;
  const safely = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch {
      return fallback;
    }
  };
  const tell = (outcome: ReadReceiptAnswer["outcome"], automatic: boolean) => {
    const m = message;
    if (!m) return;
    safely(() => {
      report({ ...reader.facts(m.folder, m.key, m.headers), outcome, automatic });
    }, undefined);
  };
  return {
    process(type, window, folder, key, headers, autoAction) {
      const before = safely(() => reader.answered(folder, key), true);
      const ask = inner.process(type, window, folder, key, headers, autoAction);
      message = { folder, key, headers };
      if (!ask && !before && safely(() => reader.answered(folder, key), false)) tell("sent", true);
      return ask;
    },
    userAgreed() {
      inner.userAgreed();
      tell("sent", false);
    },
    userDeclined() {
      inner.userDeclined();
      tell("declined", false);
    },
  };
}
