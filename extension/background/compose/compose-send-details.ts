/**
 * What a message gets on its way out (pure; compose-guard.ts merges it in compose.onBeforeSend):
 * from an MSSanté identity, the X-MSS headers — X-MSS-CODECDA and X-MSS-INS when a patient
 * document (IHE_XDM.zip) was attached (ECO.2.4.1, ECO.2.4.2), X-MSS-MES: FIN when the GP closed
 * the exchange with a patient (ECO.2.2.8), X-MSS-NIL once the product is declared (ECO.2.4.3) —
 * and a delivery status notification request (ECO.2.3.1); from any identity, the read receipt the
 * GP asked for (ECO.3.1.6). Thunderbird's customHeaders replace the message's whole set, so the
 * message's own X- headers are kept beside ours.
 */
import { checkPatientAddress } from "../../../shared/domain/ins-matricule.ts";
import type { ComposeDetails } from "../messenger-types.ts";

/** What the compose popup recorded for one compose tab. */
export interface ComposeTabChoices {
  /** X-MSS-CODECDA and X-MSS-INS of the attached archive; null: none attached. */
  xdmHeaders: Record<string, string> | null;
  /** "Bloquer la réponse du patient": X-MSS-MES: FIN on a message to a patient. */
  blockPatientReply: boolean;
  /** "Demander un accusé de lecture". */
  returnReceipt: boolean;
}

export const NO_CHOICES: ComposeTabChoices = { xdmHeaders: null, blockPatientReply: false, returnReceipt: false };

export interface SendFacts {
  choices: ComposeTabChoices;
  /** The sender is one of the provisioned MSSanté addresses. */
  mssSender: boolean;
  /** Every recipient's address (to, cc, bcc). */
  recipients: string[];
  /** The message's own custom headers, as onBeforeSend gives them. */
  customHeaders: { name: string; value: string }[] | undefined;
  /** mssIdentityHeaders(): X-MSS-NIL, or nothing while the product is not declared. */
  identityHeaders: Record<string, string>;
}

/** Whether one of the recipients is a patient (…@patient.mssante.fr). */
export function hasPatientRecipient(recipients: string[]): boolean {
  return recipients.some((r) => checkPatientAddress(r) !== null);
}

/** The details to merge into the message that goes, or null when there is nothing to add. */
export function composeSendDetails(f: SendFacts): ComposeDetails | null {
  const out: ComposeDetails = {};
  if (f.choices.returnReceipt) out.returnReceipt = true;
  if (f.mssSender) {
    const ours: Record<string, string> = { ...f.identityHeaders, ...(f.choices.xdmHeaders ?? {}) };
    if (f.choices.blockPatientReply && hasPatientRecipient(f.recipients)) ours["X-MSS-MES"] = "FIN";
    out.deliveryStatusNotification = true;
    if (Object.keys(ours).length > 0) {
      const mine = new Set(Object.keys(ours).map((n) => n.toLowerCase()));
      const kept = (f.customHeaders ?? []).filter((h) => !mine.has(h.name.toLowerCase()));
      out.customHeaders = [...kept, ...Object.entries(ours).map(([name, value]) => ({ name, value }))];
    }
  }
  return Object.keys(out).length > 0 ? out : null;
}
