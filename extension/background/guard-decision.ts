/**
 * The trust-space guard's decision, pure: who sends, to whom, against which trust list.
 * - Sender not an MSSanté address → allow (the guard only protects MSSanté mail). An MSSanté
 *   address is one of the accounts this extension set up, or at their domains, or at a domain of
 *   the trust list in use, or under mssante.fr — so a missing list never makes a sender "not MSSanté".
 * - MSSanté sender and no usable trust list (never fetched, bridge down, or an empty list) → block,
 *   explain; nothing to override.
 * - Any recipient outside the trust space, or whose address cannot be read → block, naming them
 *   and counting the others (the "remove them" choice sends to those).
 * - Recipients in the trust space but not found in the directory → warning only.
 * Patients (Mon espace santé, docs/domain/referentiel-2.md "Patients"):
 * - A `@patient.mssante.fr` recipient whose local part is not an INS matricule with a valid key
 *   (ECO.2.2.6; shared/domain/ins-matricule.ts) → block with the reason; the user removes it or goes
 *   back, never "send anyway" (the address can reach nobody). A valid one is in the trust space with
 *   or without the list (ANS's own domain, as the reading side says) and is not looked up in the
 *   directory of professionals.
 * - A message to a patient over 25 MB as submitted (shared/domain/patient-recipients.ts) → block;
 *   only "back to the message". Checked before the recipients, so removing one never skips it.
 * - A patient together with professionals → pointed out before sending: go on or go back. With
 *   other recipients blocked, the dialog says it as well (removing them sends to that mix).
 * The I/O around it (compose-guard.ts) gets the list (live or cached), the directory lookups, and
 * asks the user; this file decides.
 */
import type { ParsedRecipient } from "./recipients.ts";
import { normalizeTypedAddress } from "../../shared/domain/address.ts";
import type { InsReason } from "../../shared/domain/ins-matricule.ts";
import { PATIENT_MESSAGE_LIMIT, patientRecipient } from "../../shared/domain/patient-recipients.ts";

export interface TrustListView {
  domains: readonly string[];
  /** Date of the list itself (from the bridge), ISO 8601 or null. */
  date: string | null;
  /** "live": just fetched from the bridge; "cache": the last copy, bridge unreachable. */
  source: "live" | "cache";
  testOnly: boolean;
}

export type DirectoryCheck = "found" | "not-found" | "unchecked";

export interface GuardInput {
  sender: string | null;
  /** Addresses this extension provisioned: MSSanté senders (and their domains) even when no trust list is known. */
  knownMssAddresses: readonly string[];
  recipients: readonly ParsedRecipient[];
  trust: TrustListView | null;
  /** Directory lookups for recipients inside the trust space, by normalised address. */
  directory: Readonly<Record<string, DirectoryCheck>>;
  /**
   * The message's size as submitted, in bytes (patient-recipients.ts's estimate), or null when it
   * could not be read; the I/O layer computes it only when a recipient is a patient.
   */
  messageSize?: number | null;
}

export type RecipientProblem = "outside-trust-space" | "unreadable" | "not-in-directory" | "patient-ins-invalid";

export interface RecipientIssue {
  raw: string;
  address: string | null;
  domain: string | null;
  problem: RecipientProblem;
  /** Why a patient's address is not an INS matricule (problem "patient-ins-invalid"), in French and English. */
  ins?: InsReason;
}

/** A patient and professionals among the recipients kept: their addresses. */
export interface MixedRecipients {
  patients: string[];
  professionals: string[];
}

export type GuardDecision =
  | { action: "allow"; reason: "not-mssante-sender" }
  | { action: "allow"; reason: "all-trusted"; warnings: RecipientIssue[]; list: ListInfo }
  | {
      action: "block";
      /** "invalid-patient-address" when a patient's address is among those blocked (no "send anyway" then). */
      reason: "untrusted-recipients" | "invalid-patient-address";
      blocked: RecipientIssue[];
      warnings: RecipientIssue[];
      list: ListInfo;
      /** How many recipients are in the trust space: those "remove them" sends the message to. */
      kept: number;
      /** Those kept mix a patient and professionals (said in the dialog too), or null. */
      mixed: MixedRecipients | null;
    }
  | { action: "block"; reason: "patient-with-professionals"; mixed: MixedRecipients; warnings: RecipientIssue[]; list: ListInfo }
  | { action: "block"; reason: "patient-message-too-large"; size: number; limit: number; patients: string[]; list: ListInfo }
  | { action: "block"; reason: "no-trust-list" };

export type BlockDecision = Extract<GuardDecision, { action: "block" }>;

/**
 * What the user may choose for a block: "remove" (the blocked recipients), "send-anyway" (this
 * message as it is: outside the trust space, or a patient with professionals), "cancel" (back to
 * the message). The dialog shows only these; the I/O layer takes any other answer for "cancel".
 */
export function choicesFor(d: BlockDecision): ReadonlyArray<"remove" | "send-anyway" | "cancel"> {
  switch (d.reason) {
    case "untrusted-recipients":
      return ["remove", "send-anyway", "cancel"];
    case "invalid-patient-address":
      return ["remove", "cancel"];
    case "patient-with-professionals":
      return ["send-anyway", "cancel"];
    default:
      return ["cancel"];
  }
}

export interface ListInfo {
  date: string | null;
  source: "live" | "cache";
  testOnly: boolean;
}

export function domainSet(domains: readonly string[]): Set<string> {
  const s = new Set<string>();
  for (const d of domains) {
    const n = normalizeTypedAddress(`x@${d}`);
    if (n) s.add(n.domain);
  }
  return s;
}

/** Domains under which every address is an MSSanté mailbox (ANS's own zone: Mailiz, hospitals…). */
export const MSSANTE_ZONES = ["mssante.fr"] as const;

/**
 * The sender is an MSSanté mailbox: an account set up by this extension, an address at the domain of
 * one of them, at a domain of the trust list in use, or under an MSSanté zone. None of these needs
 * the list: without one, a sender known by the other signs is still guarded (and blocked).
 */
export function isMssanteSender(sender: string | null, known: readonly string[], trusted: Set<string> | null): boolean {
  if (!sender) return false;
  const n = normalizeTypedAddress(sender);
  if (!n) return false;
  for (const k of known) {
    const kn = normalizeTypedAddress(k);
    if (kn && (kn.address === n.address || kn.domain === n.domain)) return true;
  }
  if (trusted?.has(n.domain)) return true;
  return MSSANTE_ZONES.some((z) => n.domain === z || n.domain.endsWith(`.${z}`));
}

/** Recipients whose domain is in the trust space: those the I/O layer looks up in the directory. */
export function trustedRecipientAddresses(recipients: readonly ParsedRecipient[], domains: readonly string[]): string[] {
  const set = domainSet(domains);
  const out: string[] = [];
  for (const r of recipients)
    if (r.address && r.domain && set.has(r.domain) && !patientRecipient(r.address) && !out.includes(r.address)) out.push(r.address);
  return out;
}

interface SortedRecipients {
  blocked: RecipientIssue[];
  warnings: RecipientIssue[];
  /** Every recipient at Mon espace santé (valid INS or not), and those kept of each kind. */
  atPatientDomain: string[];
  patients: string[];
  professionals: string[];
  kept: number;
}

/** Each recipient once: blocked (and why), kept as a patient or a professional, warned about. */
function sortRecipients(
  recipients: readonly ParsedRecipient[],
  trusted: Set<string>,
  directory: Readonly<Record<string, DirectoryCheck>>,
): SortedRecipients {
  const blocked: RecipientIssue[] = [];
  const warnings: RecipientIssue[] = [];
  const seen = new Set<string>();
  const atPatientDomain: string[] = [];
  const patients: string[] = [];
  const professionals: string[] = [];
  let kept = 0;
  for (const r of recipients) {
    const key = r.address ?? `raw:${r.raw}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const patient = r.address ? patientRecipient(r.address) : null;
    if (!r.address || !r.domain) {
      blocked.push({ raw: r.raw, address: null, domain: null, problem: "unreadable" });
    } else if (patient) {
      atPatientDomain.push(r.address);
      if (patient.ok) {
        kept++;
        patients.push(r.address);
      } else blocked.push({ raw: r.raw, address: r.address, domain: r.domain, problem: "patient-ins-invalid", ins: patient.reason });
    } else if (!trusted.has(r.domain)) {
      blocked.push({ raw: r.raw, address: r.address, domain: r.domain, problem: "outside-trust-space" });
    } else {
      kept++;
      professionals.push(r.address);
      if (directory[r.address] === "not-found") {
        warnings.push({ raw: r.raw, address: r.address, domain: r.domain, problem: "not-in-directory" });
      }
    }
  }
  return { blocked, warnings, atPatientDomain, patients, professionals, kept };
}

export function decideGuard(input: GuardInput): GuardDecision {
  // An empty list is no list: deciding with it would put every recipient outside the trust space.
  const trust = input.trust && input.trust.domains.length > 0 ? input.trust : null;
  const trusted = trust ? domainSet(trust.domains) : null;
  if (!isMssanteSender(input.sender, input.knownMssAddresses, trusted)) return { action: "allow", reason: "not-mssante-sender" };
  if (!trusted || !trust || trusted.size === 0) return { action: "block", reason: "no-trust-list" };

  const { blocked, warnings, atPatientDomain, patients, professionals, kept } = sortRecipients(input.recipients, trusted, input.directory);
  const list: ListInfo = { date: trust.date, source: trust.source, testOnly: trust.testOnly };
  const size = input.messageSize ?? null;
  if (atPatientDomain.length && size !== null && size > PATIENT_MESSAGE_LIMIT)
    return { action: "block", reason: "patient-message-too-large", size, limit: PATIENT_MESSAGE_LIMIT, patients: atPatientDomain, list };
  const mixed = patients.length && professionals.length ? { patients, professionals } : null;
  if (blocked.length) {
    const reason = blocked.some((b) => b.problem === "patient-ins-invalid") ? "invalid-patient-address" : "untrusted-recipients";
    return { action: "block", reason, blocked, warnings, list, kept, mixed };
  }
  if (mixed) return { action: "block", reason: "patient-with-professionals", mixed, warnings, list };
  return { action: "allow", reason: "all-trusted", warnings, list };
}

/** The compose fields without the given addresses (the "remove them" choice). */
export function withoutAddresses(
  field: unknown,
  remove: ReadonlySet<string>,
  parse: (raw: string) => ParsedRecipient,
  split: (s: string) => string[],
): string[] {
  const items: unknown[] = Array.isArray(field) ? field : field == null || field === "" ? [] : [field];
  const out: string[] = [];
  for (const it of items) {
    if (typeof it !== "string") continue; // unreadable entries are among those removed
    for (const one of split(it)) {
      const p = parse(one);
      if (p.address ? !remove.has(p.address) : !remove.has(`raw:${p.raw}`)) out.push(one);
    }
  }
  return out;
}
