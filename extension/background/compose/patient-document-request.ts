/**
 * "Joindre un document patient" (pure): what the compose popup sends — the PDF, the document type,
 * the patient's traits — checked for its shape, and turned with the card's identity (the author)
 * into the XDM builder's input (shared/xdm/xdm-build-input.ts, which checks the values: INS key,
 * missing traits, not a PDF). A reason never quotes a value: an INS, a name or a date is patient data.
 */
import type { XdmAuthorInput, XdmBuildInput, XdmBuildReason } from "../../../shared/xdm/xdm-build-input.ts";
import type { ExtensionStatus } from "../status.ts";

/** The PDF travels twice in the message (attached, and in the CDA), base64 each time: 25 MB at most. */
export const MAX_PDF_BYTES = 9 * 1024 * 1024;

export interface PatientDocumentRequest {
  tabId: number;
  pdf: Uint8Array;
  typeCode: string;
  patient: {
    family: string;
    given: string;
    birthDate: string;
    sex: string;
    ins: string | null;
    insOid: string | null;
    qualified: boolean;
    localId: string | null;
    localOid: string | null;
  };
}

const reason = (code: string, fr: string, en: string): XdmBuildReason => ({ code, fr, en });
const str = (v: unknown): string | null => (typeof v === "string" ? v.slice(0, 200) : null);

function bytesOf(v: unknown): Uint8Array | null {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  return null;
}

/** The popup's message `{kind: "compose.patient.attach", tabId, pdf, typeCode, patient}`, checked for its shape. */
export function parsePatientDocumentRequest(
  raw: Record<string, unknown>,
): { ok: true; request: PatientDocumentRequest } | { ok: false; reasons: XdmBuildReason[] } {
  const tabId = raw.tabId;
  if (typeof tabId !== "number" || !Number.isInteger(tabId))
    return { ok: false, reasons: [reason("NO_COMPOSE_TAB", "aucune fenêtre de rédaction", "no compose window")] };
  const pdf = bytesOf(raw.pdf);
  if (pdf === null || pdf.length === 0)
    return { ok: false, reasons: [reason("PDF_MISSING", "choisissez un fichier PDF", "choose a PDF file")] };
  if (pdf.length > MAX_PDF_BYTES)
    return {
      ok: false,
      reasons: [
        reason("PDF_TOO_BIG", "le PDF dépasse 9 Mo (le message est limité à 25 Mo)", "the PDF is over 9 MB (a message is 25 MB at most)"),
      ],
    };
  const p = (raw.patient && typeof raw.patient === "object" ? raw.patient : {}) as Record<string, unknown>;
  return {
    ok: true,
    request: {
      tabId,
      pdf,
      typeCode: str(raw.typeCode) ?? "",
      patient: {
        family: str(p.family) ?? "",
        given: str(p.given) ?? "",
        birthDate: str(p.birthDate) ?? "",
        sex: str(p.sex) ?? "",
        ins: str(p.ins)?.replace(/\s+/g, "") ?? null,
        insOid: str(p.insOid),
        qualified: p.qualified === true,
        localId: str(p.localId),
        localOid: str(p.localOid),
      },
    },
  };
}

/** The author: the card's holder as the extension keeps it (storage.local "mss.status"); null without a card read. */
export function authorFromIdentity(identity: ExtensionStatus["identity"] | null | undefined): XdmAuthorInput | null {
  if (!identity?.idNat || !identity.surname || !identity.givenName) return null;
  return {
    id: identity.idNat,
    family: identity.surname,
    given: identity.givenName,
    profession: identity.profession ?? null,
    organisationName: identity.structure ?? null,
  };
}

export const NO_AUTHOR_REASON = reason(
  "AUTHOR_UNKNOWN",
  "l'identité de la carte n'est pas connue : insérez la carte CPS et attendez sa lecture",
  "the card's identity is not known: insert the CPS card and wait for it to be read",
);

export function buildInputOf(request: PatientDocumentRequest, author: XdmAuthorInput): XdmBuildInput {
  const p = request.patient;
  return {
    pdf: request.pdf,
    typeCode: request.typeCode,
    patient: p.qualified
      ? { family: p.family, given: p.given, birthDate: p.birthDate, sex: p.sex, ins: p.ins, insOid: p.insOid, qualified: true }
      : {
          family: p.family,
          given: p.given,
          birthDate: p.birthDate,
          sex: p.sex,
          localId: p.localId,
          localOid: p.localOid,
          qualified: false,
        },
    author,
  };
}
