/**
 * The sender verdict of a displayed message (pure): who the From address is in the directory, and
 * whether that can be asserted. "In the national directory" is said only of mail received in an
 * MSSanté account through the trust space (the receiving server's own trace headers:
 * received-trace.ts); otherwise the panel says "the address claims to be…".
 */
import type { DirectoryEntry } from "../../../shared/domain/directory-entry.ts";
import { domainSet } from "../guard-decision.ts";
import { displayNameCheck, type NameCheck } from "./display-name-check.ts";
import type { MessageAuthor } from "./message-author.ts";
import type { ReceivedTrace } from "./received-trace.ts";

/** Patients' mailboxes (Mon espace santé). */
export const PATIENT_DOMAIN = "patient.mssante.fr";

export type DirectoryAnswer =
  | { state: "found"; entry: DirectoryEntry }
  | { state: "absent" }
  /** The bridge is away (or did not answer): only the cached trust list can speak. */
  | { state: "unavailable" };

export interface PatientSummary {
  family: string | null;
  given: string | null;
  ins: string | null;
  insOid: string | null;
  qualified: boolean | "test" | null;
}

export interface VerdictInput {
  author: MessageAuthor;
  /** The message is in an account this extension set up (an MSSanté account). */
  mssAccount: boolean;
  /** What the account's own server's headers show (null when the account is not an MSSanté one). */
  trace: ReceivedTrace | null;
  /** The trust list's domains, or null when there is none at all. */
  trustDomains: readonly string[] | null;
  directory: DirectoryAnswer;
  /** The date of the national extraction the directory was built from. */
  extractionDate: string | null;
  /** The patient of the message's XDM, when there is one. */
  xdmPatient: PatientSummary | null;
  /**
   * The GP's own copy: in the Sent, Drafts, Templates or Outbox folder of the MSSanté account,
   * From the account's own address, and never transported (no Received line). Thunderbird filed it
   * itself: there is nothing to prove about its sender.
   */
  ownCopy?: boolean;
}

export type SenderKind =
  /** In the directory: name, profession, specialty, organisation, city. */
  | "professional"
  /** At a trust-space domain, absent from the directory (new, or not published). */
  | "not-in-directory"
  /** A domain outside the trust space. */
  | "outside-trust-space"
  /** @patient.mssante.fr: a patient, named by the XDM when there is one. */
  | "patient"
  /** The directory cannot be asked (bridge away) and the domain is in the trust space. */
  | "directory-unavailable"
  /** Neither a list nor a directory: nothing can be said. */
  | "unknown"
  /** The GP's own copy (Sent, Drafts…), filed by Thunderbird: see VerdictInput.ownCopy. */
  | "own"
  /** No readable From address. */
  | "no-address";

export interface SenderVerdict {
  kind: SenderKind;
  address: string | null;
  displayName: string | null;
  /** Received in an MSSanté account through the trust space: the verdict can be asserted. */
  proven: boolean;
  entry: DirectoryEntry | null;
  extractionDate: string | null;
  /** The display name names someone other than the directory's entry (or the XDM's patient). */
  nameMismatch: boolean;
  patient: PatientSummary | null;
  /** Why the verdict is not proven, or what proved it (codes, for the panel and the tests). */
  reasons: string[];
}

function underPatientDomain(domain: string): boolean {
  return domain === PATIENT_DOMAIN || domain.endsWith(`.${PATIENT_DOMAIN}`);
}

/** What the transport shows (findings of the trace, or why there is none). */
function transportReasons(input: VerdictInput): string[] {
  const reasons: string[] = [];
  if (!input.mssAccount) reasons.push("not-an-mssante-account");
  else if (input.trace) {
    reasons.push(...input.trace.findings);
    if (!input.trace.viaTrustSpace) reasons.push("not-via-trust-space");
  } else reasons.push("no-trace");
  if (!input.trustDomains) reasons.push("no-trust-list");
  return reasons;
}

/** The patient's verdict: named by the XDM when there is one. */
function patientVerdict(base: SenderVerdict, author: MessageAuthor, p: PatientSummary | null): SenderVerdict {
  const named = p && (p.family || p.given) ? `${p.given ?? ""} ${p.family ?? ""}` : null;
  const check: NameCheck = named
    ? displayNameCheck(author.name, author.address ?? "", {
        displayName: named,
        surname: p?.family ?? null,
        givenName: p?.given ?? null,
        organisation: null,
        service: null,
      })
    : "nothing-claimed";
  return { ...base, kind: "patient", patient: p, nameMismatch: check === "different" };
}

export function senderVerdict(input: VerdictInput): SenderVerdict {
  const { author, directory } = input;
  const base: SenderVerdict = {
    kind: "no-address",
    address: author.address,
    displayName: author.name,
    proven: false,
    entry: null,
    extractionDate: input.extractionDate,
    nameMismatch: false,
    patient: null,
    reasons: [],
  };
  if (!author.address || !author.domain) return base;
  if (input.ownCopy && input.mssAccount) {
    const entry = directory.state === "found" ? directory.entry : null;
    return { ...base, kind: "own", proven: true, entry, reasons: ["own-copy"] };
  }

  const reasons = transportReasons(input);
  // Mon espace santé's patient domain is ANS's own (under mssante.fr): in the trust space with or without a list.
  const inTrustList = underPatientDomain(author.domain) || (input.trustDomains ? domainSet(input.trustDomains).has(author.domain) : null);
  const viaTrustSpace = input.mssAccount && !!input.trace?.viaTrustSpace;
  const proven = viaTrustSpace && inTrustList !== false;
  const entry = directory.state === "found" ? directory.entry : null;

  if (underPatientDomain(author.domain)) return patientVerdict({ ...base, proven, reasons }, author, input.xdmPatient);
  if (entry) {
    const check = displayNameCheck(author.name, author.address, entry);
    return { ...base, kind: "professional", proven, entry, nameMismatch: check === "different", reasons };
  }
  if (inTrustList === false) return { ...base, kind: "outside-trust-space", proven: false, reasons };
  if (directory.state === "unavailable") {
    return { ...base, kind: inTrustList ? "directory-unavailable" : "unknown", proven, reasons };
  }
  // Absent from the directory: at a trust-space domain (or with no list to say otherwise).
  return { ...base, kind: inTrustList ? "not-in-directory" : "unknown", proven, reasons };
}
