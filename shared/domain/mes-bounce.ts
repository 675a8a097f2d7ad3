/**
 * Mon espace santé's bounces, recognised (pure): in a delivery status notification (RFC 3464, read
 * by delivery-report.ts), each recipient at patient.mssante.fr whose delivery failed, and why, in the
 * four cases docs/domain/referentiel-2.md names ("Patients": account closed, patient unknown,
 * address invalid, too large):
 * - patient unknown: Status 5.1.1 (bad destination mailbox, RFC 3463);
 * - address invalid: 5.1.3 (bad destination mailbox address syntax);
 * - account closed: 5.2.1 (mailbox disabled, not accepting messages);
 * - too large: 5.3.4 (message too big for system) or 5.2.3 (message length exceeds administrative limit);
 * other codes (5.0.0, 5.5.0…): the Diagnostic-Code's text decides when it says one of these in
 * French or English, else "other" (a failure at Mon espace santé we cannot name).
 * The recipient's domain decides that it is Mon espace santé, not the reporting MTA: a refusal at
 * RCPT time is reported by the sender's own operator's MTA (its Remote-MTA is then Mon espace
 * santé's). A report about anyone else is not one of these, whatever its codes.
 *
 * No real Mon espace santé bounce was available when this was written: the recognition follows
 * RFC 3464 / RFC 3463 status codes, not recorded Mon espace santé messages; their wording may
 * differ and must be checked against real ones.
 */
import type { DsnFields } from "./delivery-report.ts";
import { PATIENT_DOMAIN } from "./ins-matricule.ts";

export type MesBounceKind = "account-closed" | "patient-unknown" | "invalid-address" | "too-large" | "other";

export interface MesBounceRecipient {
  /** The patient's address as the report gives it (it holds the INS: show it, never log it). */
  address: string;
  kind: MesBounceKind;
  status: string | null;
  diagnostic: string | null;
}

const BY_STATUS: Record<string, MesBounceKind> = {
  "5.1.1": "patient-unknown",
  "5.1.3": "invalid-address",
  "5.2.1": "account-closed",
  "5.3.4": "too-large",
  "5.2.3": "too-large",
};

const BY_TEXT: [RegExp, MesBounceKind][] = [
  [/too (large|big)|size limit|exceeds.*(size|limit)|trop (volumineux|gros)|taille/i, "too-large"],
  [/clos|cl[oô]tur|ferm[ée]|closed|disabled|d[ée]sactiv|inactive|suspend/i, "account-closed"],
  [/unknown|inconnu|not found|no such|does not exist|n'existe pas/i, "patient-unknown"],
  [/invalid|invalide|syntax|malformed/i, "invalid-address"],
];

function atMes(address: string | null): address is string {
  return !!address && address.slice(address.lastIndexOf("@") + 1) === PATIENT_DOMAIN;
}

function kindOf(status: string | null, diagnostic: string | null): MesBounceKind {
  const byStatus = status ? BY_STATUS[status] : undefined;
  if (byStatus) return byStatus;
  for (const [re, kind] of BY_TEXT) if (diagnostic && re.test(diagnostic)) return kind;
  return "other";
}

/** The failed deliveries to Mon espace santé in a DSN, or null when it reports none. */
export function recogniseMesBounce(dsn: DsnFields | null): MesBounceRecipient[] | null {
  if (!dsn) return null;
  const out: MesBounceRecipient[] = [];
  for (const r of dsn.recipients) {
    const failed = r.action === "failed" || (r.status?.startsWith("5.") ?? false);
    if (!failed || !atMes(r.address)) continue;
    out.push({ address: r.address, kind: kindOf(r.status, r.diagnostic), status: r.status, diagnostic: r.diagnostic });
  }
  return out.length ? out : null;
}
