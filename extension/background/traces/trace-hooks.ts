/**
 * What goes into the trace, and when (I/O): a send (compose.onAfterSend: identity, Message-ID,
 * recipients, SMTP host), a deletion (messages.onDeleted: only permanent deletions; Thunderbird
 * reports a move to the Trash as a move), a move (messages.onMoved), a message marked read or
 * unread (messages.onUpdated: opening a message marks it read) or flagged or not, the guard's decision
 * (storage.onChanged of "mss.lastGuard", written by compose-guard.ts) and a delivery or read
 * report received (receipts-service.ts), a read receipt the GP returned or declined for a message
 * received (the mssReadReceipts Experiment: Thunderbird gives extensions no event for it). Only the
 * MSSanté accounts this extension provisioned are traced.
 */
import { provisionedAccounts, type ProvisionedAccount } from "../card-watch.ts";
import { KNOWN_ACCOUNTS_KEY, LAST_GUARD_KEY } from "../compose-guard.ts";
import { log } from "../log.ts";
import type { ComposeDetails, Messenger, SendInfo } from "../messenger-types.ts";
import { messageAuthor } from "../reading/message-author.ts";
import { bareMessageId } from "../../../shared/domain/delivery-report.ts";
import type { FullHeader, MessageList, ReceiptsApis, StorageEvents } from "../receipts/receipts-apis.ts";
import type { ReceiptEvent } from "../receipts/receipts-service.ts";
import type { ReadReceiptAnswer } from "../../experiments/mssReadReceipts/src/api.ts";
import { recipientsOf } from "../recipients.ts";
import type { TraceDraft, TraceJournal } from "./trace-journal.ts";

/** The events used beyond `Messenger`'s, each optional (Thunderbird without the permission, the unit tests' plain fake). */
type OptionalEvents = {
  messages?: Partial<Pick<ReceiptsApis["messages"], "onDeleted" | "onMoved" | "onUpdated">>;
  storage: Partial<StorageEvents["storage"]>;
};

interface GuardRecord {
  at?: unknown;
  action?: unknown;
  reason?: unknown;
  blocked?: unknown;
  warnings?: unknown;
  choice?: unknown;
  accountId?: unknown;
  sender?: unknown;
  messageId?: unknown;
}

function addresses(field: unknown): string[] {
  return recipientsOf(field)
    .map((r) => r.address)
    .filter((a): a is string => !!a);
}

export class TraceHooks {
  constructor(
    private readonly m: Messenger,
    private readonly journal: TraceJournal,
  ) {}

  private write(draft: TraceDraft): void {
    void this.journal.record(draft).catch((e: unknown) => log("trace.failed", { code: e instanceof Error ? e.name : "UNKNOWN" }));
  }

  /**
   * The provisioned accounts, read once and again after storage says they changed: every mailbox
   * event asks (marking a folder read is one event per message). Read each time when storage
   * changes cannot be watched.
   */
  private known: Promise<ProvisionedAccount[]> | null = null;
  private watchingAccounts = false;

  private async account(accountId: string | null | undefined): Promise<ProvisionedAccount | null> {
    if (!accountId) return null;
    return (await (this.known ?? this.readAccounts())).find((a) => a.accountId === accountId) ?? null;
  }

  /** Reads the provisioned accounts; kept while storage changes are watched, unless the read fails. */
  private readAccounts(): Promise<ProvisionedAccount[]> {
    const list = provisionedAccounts(this.m);
    if (this.watchingAccounts) {
      this.known = list;
      list.catch(() => {
        if (this.known === list) this.known = null; // read again next time
      });
    }
    return list;
  }

  /** Registers the listeners (synchronously). */
  start(): void {
    const m = this.m;
    const events = m as unknown as OptionalEvents;
    m.compose.onAfterSend.addListener((tab, info) => {
      if (info.error || (info.mode !== "sendNow" && info.mode !== "sendLater")) return;
      void this.sent(tab.id, info).catch((e: unknown) => log("trace.failed", { code: e instanceof Error ? e.name : "UNKNOWN" }));
    });
    events.messages?.onDeleted?.addListener((list) => void this.mailbox("delete", list.messages, null));
    events.messages?.onMoved?.addListener(
      (original: MessageList, moved: MessageList) => void this.mailbox("move", original.messages, moved.messages),
    );
    events.messages?.onUpdated?.addListener((message, changed) => {
      if (typeof changed?.read === "boolean") void this.mailbox(changed.read ? "read" : "unread", [message], null);
      if (typeof changed?.flagged === "boolean") void this.mailbox(changed.flagged ? "flag" : "unflag", [message], null);
    });
    m.mssReadReceipts?.onAnswered.addListener(
      (a) => void this.readReceipt(a).catch((e: unknown) => log("trace.failed", { code: e instanceof Error ? e.name : "UNKNOWN" })),
    );
    this.watchingAccounts = !!events.storage.onChanged;
    events.storage.onChanged?.addListener((changes, area) => {
      if (area === "local" && KNOWN_ACCOUNTS_KEY in changes) this.known = null;
      const guard = changes[LAST_GUARD_KEY]?.newValue as GuardRecord | undefined;
      if (area === "local" && guard && typeof guard === "object")
        void this.guard(guard).catch((e: unknown) => log("trace.failed", { code: e instanceof Error ? e.name : "UNKNOWN" }));
    });
  }

  /**
   * Records a send that left (sendNow) or was queued (sendLater): from the Sent copy's header
   * (sendInfo.messages) when there is one, else from the compose window's details.
   */
  async sent(tabId: number, info: SendInfo): Promise<void> {
    const copy = (info.messages as FullHeader[] | undefined)?.[0];
    let who: string | null = copy ? messageAuthor(copy.author).address : null;
    let account = await this.account(copy?.folder?.accountId);
    let recipients = copy ? [...addresses(copy.recipients), ...addresses(copy.ccList), ...addresses(copy.bccList)] : [];
    if (!copy) {
      const details: ComposeDetails = await this.m.compose.getComposeDetails(tabId).catch(() => ({}));
      const identity = details.identityId ? await this.m.identities.get(details.identityId).catch(() => null) : null;
      account = await this.account(identity?.accountId);
      who = identity?.email ?? null;
      recipients = [...addresses(details.to), ...addresses(details.cc), ...addresses(details.bcc)];
    }
    if (!account) return;
    this.write({
      action: "send",
      who: who ?? account.email,
      messageId: bareMessageId(info.headerMessageId) ?? "",
      server: account.smtpHost,
      recipients,
      detail: info.mode,
    });
  }

  private async mailbox(
    action: "delete" | "move" | "read" | "unread" | "flag" | "unflag",
    messages: FullHeader[],
    moved: FullHeader[] | null,
  ): Promise<void> {
    for (const [i, h] of messages.entries()) {
      const account = await this.account(h.folder?.accountId);
      if (!account) continue;
      const to = moved?.[i]?.folder?.path;
      this.write({
        action,
        who: account.email,
        messageId: bareMessageId(h.headerMessageId) ?? "",
        server: account.imapHost,
        recipients: [],
        detail: action === "move" ? `${h.folder?.path ?? ""} -> ${to ?? ""}` : (h.folder?.path ?? ""),
      });
    }
  }

  /**
   * The guard's decision: who sends (the identity's address, else the account's) and the account's
   * SMTP host when the account is one this extension provisioned (else neither); the Message-ID when the record has one
   * (Thunderbird 153 gives none before the send: the send's entry that follows has it).
   */
  async guard(g: GuardRecord): Promise<void> {
    const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
    const text = (v: unknown) => (typeof v === "string" ? v : null);
    const block = g.action === "block";
    const account = await this.account(text(g.accountId));
    this.write({
      at: typeof g.at === "string" && !Number.isNaN(Date.parse(g.at)) ? g.at : undefined,
      action: block ? "guard-block" : "guard-allow",
      // Another account's address is not the trace's (only provisioned accounts are traced).
      who: account ? (text(g.sender) ?? account.email) : "",
      messageId: bareMessageId(text(g.messageId) ?? undefined) ?? "",
      server: account?.smtpHost ?? "",
      recipients: [...list(g.blocked), ...list(g.warnings)],
      detail: [typeof g.reason === "string" ? g.reason : "", typeof g.choice === "string" ? g.choice : ""].filter(Boolean).join("/"),
    });
  }

  /**
   * A read receipt the GP returned or declined for a message received in a provisioned account:
   * who (the account), the received message's Message-ID, the sender the receipt goes to, and
   * whether the GP was asked (asked) or the account's settings sent it (auto).
   */
  async readReceipt(a: ReadReceiptAnswer): Promise<void> {
    const account = await this.account(a.accountId);
    if (!account) return;
    this.write({
      action: a.outcome === "sent" ? "receipt-returned" : "receipt-declined",
      who: account.email,
      messageId: bareMessageId(a.messageId) ?? "",
      server: a.outcome === "sent" ? account.smtpHost : "",
      recipients: a.to ? [a.to] : [],
      detail: a.automatic ? "mdn:auto" : "mdn:asked",
    });
  }

  /** A delivery or read report matched to a sent message. */
  async receipt(e: ReceiptEvent): Promise<void> {
    const account = await this.account(e.accountId);
    const r = e.report;
    const recipients = r.kind === "dsn" ? r.recipients.map((x) => x.address) : r.address ? [r.address] : [];
    const detail = r.kind === "dsn" ? `dsn:${r.recipients.map((x) => x.action).join(",")}` : `mdn:${r.disposition}`;
    this.write({
      action: "receipt",
      who: account?.email ?? "",
      messageId: e.messageId,
      server: account?.imapHost ?? "",
      recipients,
      detail,
    });
  }
}
