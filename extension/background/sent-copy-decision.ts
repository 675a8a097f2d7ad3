/**
 * Whether a message keeps Thunderbird's copy in Sent, pure. The copy is made after the message
 * has left by SMTP, by logging in to the account's IMAP server; when the server refuses that login
 * (a standard Dovecot refusing the user name Thunderbird sends, issue 13), Thunderbird 153 tries
 * twice and then leaves its "Sending Message" window open for ever. An account whose logon with the
 * card has not worked yet has its checks held (the setup holds them until a logon works, settings.ts
 * in the Experiment): its messages are sent without a Sent copy, and the user is told once. Any
 * other account, or one the extension cannot tell about, keeps Thunderbird's default.
 * compose-guard.ts asks, sent-copy.ts gathers the facts and tells the user.
 */
import type { AccountSummary } from "../experiments/mssAccounts/src/api.ts";

export interface SentCopyInput {
  /** The sending identity's address and account (identities.get), null when it could not be read. */
  identity: { email: string; accountId?: string } | null;
  /** The mssAccounts Experiment's account for that address, null when none or unknown. */
  account: AccountSummary | null;
  /** The same compose tab had its copy turned off for an earlier attempt (a send that failed). */
  overriddenBefore: boolean;
}

export type SentCopyDecision =
  | { keep: true; reason: "no-account" | "other-account" | "logon-works"; restore: boolean }
  | { keep: false; reason: "logon-not-working"; accountId: string; email: string };

export function decideSentCopy(input: SentCopyInput): SentCopyDecision {
  const restore = input.overriddenBefore;
  const { identity, account } = input;
  if (!identity || !account?.imap) return { keep: true, reason: "no-account", restore };
  // The address found in another account than the identity's: not the account that would copy.
  if (identity.accountId && identity.accountId !== account.accountId) return { keep: true, reason: "other-account", restore };
  if (!account.held) return { keep: true, reason: "logon-works", restore };
  return { keep: false, reason: "logon-not-working", accountId: account.accountId, email: identity.email };
}

/**
 * The compose details that apply the decision (compose API, Manifest V2): `overrideDefaultFccFolder: ""`
 * saves no copy at all; `overrideDefaultFcc: false` puts back the identity's own Sent folder after an
 * earlier attempt of the same message turned it off. Nothing otherwise.
 */
export function sentCopyDetails(d: SentCopyDecision): { overrideDefaultFccFolder: "" } | { overrideDefaultFcc: false } | null {
  if (!d.keep) return { overrideDefaultFccFolder: "" };
  return d.restore ? { overrideDefaultFcc: false } : null;
}
