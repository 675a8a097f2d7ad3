/**
 * The I/O around sent-copy-decision.ts. Before a send (compose-guard.ts calls it once the guard
 * lets the message go): reads the sending identity and its account's state from the mssAccounts
 * Experiment, and returns the compose details that turn the Sent copy off for an account whose
 * logon does not work yet. After the send (compose.onAfterSend): when it left without its copy,
 * one notice says so and what to do (clicking it opens the setup page). Logs carry the account id
 * and codes only, never an address, a subject or a body.
 */
import { log } from "./log.ts";
import type { ComposeDetails, ComposeTab, Messenger, SendInfo } from "./messenger-types.ts";
import { decideSentCopy, sentCopyDetails, type SentCopyDecision } from "./sent-copy-decision.ts";

/** The notice's id: notifications.onClicked opens the setup page for it. */
export const NO_SENT_COPY_NOTICE = "mss-no-sent-copy";

export class SentCopyCheck {
  /** Compose tabs whose Sent copy we turned off, with the sender's address, until their send ends. */
  private readonly overridden = new Map<number, string>();

  constructor(private readonly m: Messenger) {}

  /** The decision for this message (facts that cannot be read: Thunderbird's default is kept). */
  async decide(tab: ComposeTab, details: ComposeDetails): Promise<SentCopyDecision> {
    const identity = details.identityId ? await this.m.identities.get(details.identityId).catch(() => null) : null;
    const found = identity?.email ? await this.m.mssAccounts.findAccount(identity.email).catch(() => null) : null;
    return decideSentCopy({
      identity: identity ? { email: identity.email, ...(identity.accountId ? { accountId: identity.accountId } : {}) } : null,
      account: found?.ok ? found.account : null,
      overriddenBefore: this.overridden.has(tab.id),
    });
  }

  /** compose.onBeforeSend's part: the details to merge into the message, or null for none. */
  async beforeSend(tab: ComposeTab, details: ComposeDetails): Promise<ComposeDetails | null> {
    let d: SentCopyDecision;
    try {
      d = await this.decide(tab, details);
    } catch {
      return null;
    }
    if (d.keep) {
      if (d.restore) this.overridden.delete(tab.id);
    } else {
      this.overridden.set(tab.id, d.email);
      log("send.no-sent-copy", { reason: d.reason, accountId: d.accountId });
    }
    return sentCopyDetails(d);
  }

  /** compose.onAfterSend: a message that left without its copy is told about, once. */
  async afterSend(tab: ComposeTab, info: SendInfo): Promise<void> {
    const email = this.overridden.get(tab.id);
    if (email === undefined) return;
    // A failed send leaves the message open (Thunderbird tells why): the next attempt decides again.
    if (info.error) return;
    this.overridden.delete(tab.id);
    if (info.mode !== "sendNow") return; // queued in the Outbox: it has not left yet
    await this.m.notifications
      .create(NO_SENT_COPY_NOTICE, {
        type: "basic",
        title: this.m.i18n.getMessage("sentCopySkippedTitle"),
        message: this.m.i18n.getMessage("sentCopySkippedMessage", [email]),
      })
      .then(
        () => log("send.no-sent-copy-notice"),
        () => log("send.no-sent-copy-notice-failed"),
      );
  }
}
