/**
 * Delivery and read reports of sent messages (issue 18), the I/O around the pure modules of this
 * folder: when mail arrives (messages.onNewMailReceived) or a report is displayed, a
 * multipart/report message is read (shared/domain/delivery-report.ts), matched to the Sent copy by Message-ID
 * (messages.query headerMessageId), the per-recipient state kept in storage.local "mss.receipts"
 * (Message-ID → recipients' states; no subject, no body), and the Sent copy tagged
 * ("MSSanté : distribué" / "lu" / "échec").
 *
 * Pages ask over runtime messages:
 *   {kind: "receipts.get", tabId} → {messageId, sentCopy, receipts: MessageReceipts | null} | {error}
 */
import { log } from "../log.ts";
import type { Messenger } from "../messenger-types.ts";
import { bareMessageId, type DeliveryReport, parseDeliveryReport } from "../../../shared/domain/delivery-report.ts";
import type { FullHeader, ReceiptsApis } from "./receipts-apis.ts";
import { applyReport, type MessageReceipts, receiptTag } from "./receipt-state.ts";
import { RECEIPT_TAGS, withReceiptTag } from "./receipt-tags.ts";

export const RECEIPTS_KEY = "mss.receipts";
/** Reports of more messages than this: the oldest states are dropped. */
const MAX_MESSAGES = 5000;

export type ReceiptsMessenger = Pick<Messenger, "storage" | "i18n" | "runtime"> & ReceiptsApis;

export interface ReceiptEvent {
  messageId: string;
  report: DeliveryReport;
  receipts: MessageReceipts;
  /** The Sent copy's account, when it was found. */
  accountId: string | null;
}

interface Part {
  contentType?: string;
  parts?: Part[];
}

/** A multipart/report anywhere in the message's structure. */
function isReport(p: Part): boolean {
  return (p.contentType ?? "").toLowerCase().startsWith("multipart/report") || (p.parts ?? []).some(isReport);
}

/** MV2's getRaw gives a binary string (one character per byte): back to UTF-8 text. */
function fromBinaryString(raw: string): string {
  return new TextDecoder().decode(Uint8Array.from(raw, (c) => c.charCodeAt(0) & 0xff));
}

function isSentFolder(h: FullHeader): boolean {
  const f = h.folder;
  return !!f && (f.specialUse?.includes("sent") === true || f.type === "sent");
}

export class ReceiptsService {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly seen = new Set<number>();
  private tagsReady: Promise<void> | null = null;

  constructor(
    private readonly m: ReceiptsMessenger,
    private readonly onReceipt: (e: ReceiptEvent) => void = () => undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Registers the listeners (synchronously). */
  start(): void {
    this.m.messages.onNewMailReceived.addListener((_folder, list) => {
      for (const h of list.messages) void this.consider(h);
    });
    this.m.messageDisplay.onMessageDisplayed.addListener((_tab, h) => {
      if (h) void this.consider(h);
    });
    this.m.runtime.onMessage.addListener((raw: unknown) => {
      const msg = raw as { kind?: unknown; tabId?: unknown } | null;
      if (msg?.kind !== "receipts.get") return undefined;
      return typeof msg.tabId === "number"
        ? this.ofTab(msg.tabId).catch(() => ({ error: "READ_FAILED" }))
        : Promise.resolve({ error: "INVALID_PARAMS" });
    });
  }

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A message that may be a report: read, matched, stored, tagged. The report's state, or null. */
  async consider(h: FullHeader): Promise<MessageReceipts | null> {
    if (this.seen.has(h.id)) return null;
    this.seen.add(h.id);
    try {
      // getFull's root part is the message itself (message/rfc822 on Thunderbird 153): look inside.
      if (!isReport(await this.m.messages.getFull(h.id))) return null;
      const report = parseDeliveryReport(fromBinaryString(await this.m.messages.getRaw(h.id)));
      if (!report?.originalMessageId) return null;
      return await this.record(report.originalMessageId, report);
    } catch (e) {
      this.seen.delete(h.id);
      log("receipts.failed", { code: e instanceof Error ? e.name : "UNKNOWN" });
      return null;
    }
  }

  private async record(messageId: string, report: DeliveryReport): Promise<MessageReceipts> {
    const receipts = await this.serial(async () => {
      const all = ((await this.m.storage.local.get(RECEIPTS_KEY))[RECEIPTS_KEY] ?? {}) as Record<string, MessageReceipts>;
      const next = applyReport(all[messageId], report, this.now().toISOString());
      delete all[messageId]; // re-inserted last: the most recent stay when the oldest are dropped
      all[messageId] = next;
      const keys = Object.keys(all);
      for (const k of keys.slice(0, Math.max(0, keys.length - MAX_MESSAGES))) delete all[k];
      await this.m.storage.local.set({ [RECEIPTS_KEY]: all });
      return next;
    });
    const copies = (await this.m.messages.query({ headerMessageId: messageId })).messages.filter(isSentFolder);
    const tag = receiptTag(receipts);
    if (tag) {
      await this.ensureTags();
      for (const c of copies) await this.m.messages.update(c.id, { tags: withReceiptTag(c.tags ?? [], tag) });
    }
    log("receipts.report", { kind: report.kind, tag: tag ?? "none", sentCopies: copies.length });
    this.onReceipt({ messageId, report, receipts, accountId: copies[0]?.folder?.accountId ?? null });
    return receipts;
  }

  /** Our three tags, created once with their labels in the UI's language. */
  private ensureTags(): Promise<void> {
    this.tagsReady ??= (async () => {
      const have = new Set((await this.m.messages.tags.list()).map((t) => t.key));
      for (const t of Object.values(RECEIPT_TAGS))
        if (!have.has(t.key)) await this.m.messages.tags.create(t.key, this.m.i18n.getMessage(t.label), t.color);
    })().catch((e: unknown) => {
      this.tagsReady = null;
      throw e;
    });
    return this.tagsReady;
  }

  /** The receipts of the message displayed in a tab. */
  async ofTab(tabId: number): Promise<{ messageId: string; sentCopy: boolean; receipts: MessageReceipts | null } | { error: string }> {
    const h = await this.m.messageDisplay.getDisplayedMessage(tabId);
    const messageId = bareMessageId(h?.headerMessageId);
    if (!messageId) return { error: "NO_MESSAGE" };
    const all = ((await this.m.storage.local.get(RECEIPTS_KEY))[RECEIPTS_KEY] ?? {}) as Record<string, MessageReceipts>;
    return { messageId, sentCopy: !!h && isSentFolder(h), receipts: all[messageId] ?? null };
  }
}
