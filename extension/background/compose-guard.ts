/**
 * compose.onBeforeSend: the I/O around guard-decision.ts. Thunderbird waits for the promise the
 * listener returns; `{cancel: true}` stops the send, `{cancel: false, details}` changes the message
 * and sends it (docs/domain/thunderbird.md). A block opens the guard dialog (which names the
 * recipients and why) and waits for the user's per-message choice: remove them (and send to the
 * others in the same click; with nobody left, the message stays open), send anyway, or go back
 * to the message. The outcome is recorded in storage.local "mss.lastGuard" (addresses, reasons,
 * the sending identity and account, never the subject or body) for the status popup, the trace
 * and tests. A message that
 * goes then gets its Sent copy settled (sent-copy.ts: none for an account whose logon does not work).
 */
import { maskPatientAddress, patientRecipient } from "../../shared/domain/patient-recipients.ts";
import type { BridgeCaller } from "./bridge-caller.ts";
import { composedMessageSize } from "./composed-size.ts";
import {
  choicesFor,
  decideGuard,
  trustedRecipientAddresses,
  withoutAddresses,
  type DirectoryCheck,
  type GuardDecision,
  type RecipientIssue,
} from "./guard-decision.ts";
import { log } from "./log.ts";
import type { BeforeSendListener, ComposeDetails, ComposeTab, Messenger } from "./messenger-types.ts";
import { parseRecipient, recipientsOf, splitRecipientList } from "./recipients.ts";
import { TrustLists } from "./trust-cache.ts";

export const LAST_GUARD_KEY = "mss.lastGuard";
export const KNOWN_ACCOUNTS_KEY = "mss.accounts";

export type GuardChoice = "remove" | "send-anyway" | "cancel";

export interface GuardDeps {
  messenger: Messenger;
  bridge: BridgeCaller;
  /** Opens the guard dialog for a blocking decision and resolves with the user's choice. */
  askUser(tab: ComposeTab, decision: Extract<GuardDecision, { action: "block" }>): Promise<GuardChoice>;
  lookupTimeoutMs?: number;
  /** A test/demo build keeps a test-only trust list as its saved copy (trust-cache.ts). */
  testBuild?: boolean;
  /** The Sent copy of a message that goes (sent-copy.ts): details to merge into it, or null. */
  sentCopy?(tab: ComposeTab, details: ComposeDetails): Promise<ComposeDetails | null>;
  /** What else a message that goes carries (compose/attach-patient-document.ts: X-MSS headers, DSN): details to merge, or null. */
  outgoing?(tab: ComposeTab, details: ComposeDetails): Promise<ComposeDetails | null>;
}

type BeforeSendResult = { cancel?: boolean; details?: ComposeDetails };

export interface GuardRecord {
  at: string;
  action: GuardDecision["action"];
  reason: GuardDecision["reason"];
  blocked: string[];
  warnings: string[];
  choice: GuardChoice | null;
  listSource: "live" | "cache" | null;
  listDate: string | null;
  /** Recipients at Mon espace santé (their addresses, INS hidden, are in blocked as "[INS]@patient.mssante.fr"). */
  patients?: number;
  /** The message's size as submitted (bytes) when it was too large for a patient. */
  size?: number;
  /** The sending identity (compose details' identityId), its account and address, when known. */
  identityId?: string;
  accountId?: string;
  sender?: string;
  /** The compose tab the decision was about. */
  tabId?: number;
  /**
   * The message's Message-ID: Thunderbird 153's compose details carry none before the send (the
   * header is made when the message is sent; compose.onAfterSend gives it), so this is absent
   * until a Thunderbird does; the send's own trace entry has it.
   */
  messageId?: string;
}

/** Who sends: the compose details' identity, its account and address (else the From field's address). */
interface SendingIdentity {
  identityId: string | null;
  accountId: string | null;
  sender: string | null;
}

async function sendingIdentity(m: Messenger, details: ComposeDetails): Promise<SendingIdentity> {
  const identity = details.identityId ? await m.identities.get(details.identityId).catch(() => null) : null;
  const sender = identity?.email ?? (typeof details.from === "string" ? parseRecipient(details.from).address : null);
  return { identityId: details.identityId ?? null, accountId: identity?.accountId ?? null, sender };
}

export async function knownMssAddresses(m: Messenger): Promise<string[]> {
  const v = (await m.storage.local.get(KNOWN_ACCOUNTS_KEY))[KNOWN_ACCOUNTS_KEY];
  if (!Array.isArray(v)) return [];
  return v
    .map((a) => (a && typeof a === "object" ? (a as { email?: unknown }).email : null))
    .filter((e): e is string => typeof e === "string");
}

async function directoryChecks(bridge: BridgeCaller, addresses: string[], timeoutMs: number): Promise<Record<string, DirectoryCheck>> {
  const out: Record<string, DirectoryCheck> = {};
  if (!bridge.connected) {
    for (const a of addresses) out[a] = "unchecked";
    return out;
  }
  await Promise.all(
    addresses.map(async (address) => {
      try {
        const r = await bridge.call("directory.lookupByAddress", { address }, timeoutMs);
        out[address] = r.entry ? "found" : "not-found";
      } catch {
        out[address] = "unchecked";
      }
    }),
  );
  return out;
}

/** Gathers the facts and decides; no side effect on the message. */
export async function evaluateSend(deps: GuardDeps, details: ComposeDetails, lists: TrustLists, tabId?: number): Promise<GuardDecision> {
  const m = deps.messenger;
  const { sender } = await sendingIdentity(m, details);
  const recipients = [...recipientsOf(details.to), ...recipientsOf(details.cc), ...recipientsOf(details.bcc)];
  const trust = await lists.current();
  const known = await knownMssAddresses(m);
  const toLookUp = trust ? trustedRecipientAddresses(recipients, trust.domains) : [];
  const directory = await directoryChecks(deps.bridge, toLookUp, deps.lookupTimeoutMs ?? 2000);
  // The size matters only for a patient (Mon espace santé's 25 MB): read the attachments then only.
  const toPatient = recipients.some((r) => r.address !== null && patientRecipient(r.address) !== null);
  const messageSize = toPatient && tabId !== undefined ? await composedMessageSize(m, tabId, details) : null;
  return decideGuard({ sender, knownMssAddresses: known, recipients, trust, directory, messageSize });
}

function record(decision: GuardDecision, choice: GuardChoice | null, who: SendingIdentity, tabId: number): GuardRecord {
  // A patient's address is their INS: never kept in storage (others read this record for traces).
  const addr = (i: { address: string | null; raw: string }) => maskPatientAddress(i.address ?? i.raw);
  const patients =
    "mixed" in decision && decision.mixed ? decision.mixed.patients.length : "patients" in decision ? decision.patients.length : undefined;
  return {
    at: new Date().toISOString(),
    action: decision.action,
    reason: decision.reason,
    blocked: "blocked" in decision ? decision.blocked.map(addr) : [],
    warnings: "warnings" in decision ? decision.warnings.map(addr) : [],
    choice,
    listSource: "list" in decision ? decision.list.source : null,
    listDate: "list" in decision ? decision.list.date : null,
    ...(patients !== undefined ? { patients } : {}),
    ...("size" in decision ? { size: decision.size } : {}),
    ...(who.identityId ? { identityId: who.identityId } : {}),
    ...(who.accountId ? { accountId: who.accountId } : {}),
    ...(who.sender ? { sender: who.sender } : {}),
    tabId,
  };
}

/**
 * "Remove them": the others are all in the trust space (the same decision), so the message leaves
 * to them now, Thunderbird applying these fields before sending. With nobody left, the blocked
 * recipients are taken out and the message stays open.
 */
async function removeBlocked(
  m: Messenger,
  tab: ComposeTab,
  details: ComposeDetails,
  blocked: readonly RecipientIssue[],
): Promise<{ cancel: boolean; details?: ComposeDetails }> {
  const remove = new Set(blocked.map((b) => b.address ?? `raw:${b.raw}`));
  const kept = {
    to: withoutAddresses(details.to, remove, parseRecipient, splitRecipientList),
    cc: withoutAddresses(details.cc, remove, parseRecipient, splitRecipientList),
    bcc: withoutAddresses(details.bcc, remove, parseRecipient, splitRecipientList),
  };
  if (kept.to.length + kept.cc.length + kept.bcc.length > 0) return { cancel: false, details: kept };
  await m.compose.setComposeDetails(tab.id, kept);
  return { cancel: true };
}

export function createBeforeSendListener(deps: GuardDeps): BeforeSendListener {
  const m = deps.messenger;
  const lists = new TrustLists(m, deps.bridge, { testBuild: deps.testBuild ?? false });
  /** The guard's answer for a message that goes, with its Sent copy settled; a cancel as it is. */
  const going = async (tab: ComposeTab, details: ComposeDetails, r: BeforeSendResult): Promise<BeforeSendResult> => {
    if (r.cancel || (!deps.sentCopy && !deps.outgoing)) return r;
    const copy = deps.sentCopy ? await deps.sentCopy(tab, details).catch(() => null) : null;
    const extra = deps.outgoing ? await deps.outgoing(tab, { ...details, ...r.details }).catch(() => null) : null;
    return copy || extra ? { ...r, details: { ...r.details, ...copy, ...extra } } : r;
  };
  return async (tab: ComposeTab, details: ComposeDetails) => {
    let decision: GuardDecision;
    const who = await sendingIdentity(m, details).catch((): SendingIdentity => ({ identityId: null, accountId: null, sender: null }));
    try {
      decision = await evaluateSend(deps, details, lists, tab.id);
    } catch (e) {
      // The guard failing must not silently let mail through: treat it like having no list.
      log("guard.error", { message: e instanceof Error ? e.message : "error" });
      decision = { action: "block", reason: "no-trust-list" };
    }
    if (decision.action === "allow") {
      if (decision.reason === "all-trusted" && decision.warnings.length) {
        const who = decision.warnings.map((w) => w.address ?? w.raw).join(", ");
        await m.notifications
          .create("mss-guard-warning", {
            type: "basic",
            title: m.i18n.getMessage("guardWarningTitle"),
            message: m.i18n.getMessage("guardWarningNotInDirectory", [who]),
          })
          .catch(() => undefined);
      }
      await m.storage.local.set({ [LAST_GUARD_KEY]: record(decision, null, who, tab.id) });
      log("guard.allow", { reason: decision.reason, warnings: "warnings" in decision ? decision.warnings.length : 0 });
      return going(tab, details, {});
    }
    let choice = await deps.askUser(tab, decision).catch((): GuardChoice => "cancel");
    // Only the choices this block offers (no trust list, a message too large: "back to the message").
    if (!choicesFor(decision).includes(choice)) choice = "cancel";
    await m.storage.local.set({ [LAST_GUARD_KEY]: record(decision, choice, who, tab.id) });
    log("guard.block", { reason: decision.reason, blocked: "blocked" in decision ? decision.blocked.length : 0, choice });
    if (choice === "send-anyway") return going(tab, details, { cancel: false });
    if (choice === "remove" && "blocked" in decision) return going(tab, details, await removeBlocked(m, tab, details, decision.blocked));
    return { cancel: true };
  };
}
