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
 * The I/O around it (compose-guard.ts) gets the list (live or cached), the directory lookups, and
 * asks the user; this file decides.
 */
import type { ParsedRecipient } from "./recipients.ts";
import { normalizeTypedAddress } from "../../shared/domain/address.ts";

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
}

export type RecipientProblem = "outside-trust-space" | "unreadable" | "not-in-directory";

export interface RecipientIssue {
  raw: string;
  address: string | null;
  domain: string | null;
  problem: RecipientProblem;
}

export type GuardDecision =
  | { action: "allow"; reason: "not-mssante-sender" }
  | { action: "allow"; reason: "all-trusted"; warnings: RecipientIssue[]; list: ListInfo }
  | {
      action: "block";
      reason: "untrusted-recipients";
      blocked: RecipientIssue[];
      warnings: RecipientIssue[];
      list: ListInfo;
      /** How many recipients are in the trust space: those "remove them" sends the message to. */
      kept: number;
    }
  | { action: "block"; reason: "no-trust-list" };

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
  for (const r of recipients) if (r.address && r.domain && set.has(r.domain) && !out.includes(r.address)) out.push(r.address);
  return out;
}

export function decideGuard(input: GuardInput): GuardDecision {
  // An empty list is no list: deciding with it would put every recipient outside the trust space.
  const trust = input.trust && input.trust.domains.length > 0 ? input.trust : null;
  const trusted = trust ? domainSet(trust.domains) : null;
  if (!isMssanteSender(input.sender, input.knownMssAddresses, trusted)) return { action: "allow", reason: "not-mssante-sender" };
  if (!trusted || !trust || trusted.size === 0) return { action: "block", reason: "no-trust-list" };

  const blocked: RecipientIssue[] = [];
  const warnings: RecipientIssue[] = [];
  const seen = new Set<string>();
  let kept = 0;
  for (const r of input.recipients) {
    const key = r.address ?? `raw:${r.raw}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!r.address || !r.domain) {
      blocked.push({ raw: r.raw, address: null, domain: null, problem: "unreadable" });
    } else if (!trusted.has(r.domain)) {
      blocked.push({ raw: r.raw, address: r.address, domain: r.domain, problem: "outside-trust-space" });
    } else {
      kept++;
      if (input.directory[r.address] === "not-found") {
        warnings.push({ raw: r.raw, address: r.address, domain: r.domain, problem: "not-in-directory" });
      }
    }
  }
  const list: ListInfo = { date: trust.date, source: trust.source, testOnly: trust.testOnly };
  if (blocked.length) return { action: "block", reason: "untrusted-recipients", blocked, warnings, list, kept };
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
