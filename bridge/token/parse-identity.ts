/**
 * The card's authentication certificate (DER) → who the holder is. Pure.
 *
 * Subjects (MSSanté domain notes):
 * - personal CPS: multi-valued RDN `CN=<idNat>+SN=<surname>+GN=<given name>`, `title=<profession>`, `C=FR`;
 * - staff card (CPE/CPA): `CN=<id>/<suffix>`, `OU=<structure>`.
 * The structure is read from `OU`, else `O`, whatever the kind of card.
 * Read through @peculiar/x509's structured names (attribute by OID), never by splitting the
 * printed subject: values may hold `+`, `,`, `/` or accents.
 */
import "reflect-metadata"; // @peculiar/x509 needs a Reflect polyfill, loaded before it
import { X509Certificate } from "@peculiar/x509";
import { createHash } from "node:crypto";
import type { CardHolderKind, CardIdentity, IdType } from "../../shared/domain/identity.ts";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";

const OID = {
  commonName: "2.5.4.3",
  surname: "2.5.4.4",
  organisation: "2.5.4.10",
  organisationalUnit: "2.5.4.11",
  title: "2.5.4.12",
  givenName: "2.5.4.42",
} as const;

const ID_TYPES: Record<string, IdType> = {
  "0": "ADELI",
  "1": "ADELI_CABINET",
  "3": "FINESS",
  "4": "SIREN",
  "5": "SIRET",
  "6": "RPPS_CABINET",
  "8": "RPPS",
};

/** The register of an idNat from its prefix digit, and the number without that digit. */
export function classifyIdNat(idNat: string): { idType: IdType; idNumber: string } {
  const idType = /^[0-9]/.test(idNat) ? (ID_TYPES[idNat[0]!] ?? "UNKNOWN") : "UNKNOWN";
  return { idType, idNumber: idType === "UNKNOWN" ? idNat : idNat.slice(1) };
}

function first(values: string[]): string | null {
  const v = values.map((s) => s.trim()).find((s) => s.length > 0);
  return v ?? null;
}

/** ASN.1 INTEGER hex → serial as usually shown: lower case, no sign-padding zero bytes. */
function normaliseSerial(hex: string): string {
  let s = hex.toLowerCase();
  while (s.length > 2 && s.startsWith("00")) s = s.slice(2);
  return s;
}

export function parseCardIdentity(der: Uint8Array): CardIdentity {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(new Uint8Array(der)); // a copy backed by a plain ArrayBuffer
  } catch {
    throw new BridgeError(
      ErrorCode.TOKEN_ERROR,
      "The card's authentication certificate is not a readable X.509 certificate. Try another card or reader.",
    );
  }
  const subject = cert.subjectName;
  const cn = first(subject.getField(OID.commonName));
  if (!cn) {
    throw new BridgeError(
      ErrorCode.CERTIFICATE_NOT_FOUND,
      "The card's certificate has no common name (CN): it is not a CPS authentication certificate.",
    );
  }
  const surname = first(subject.getField(OID.surname));
  const givenName = first(subject.getField(OID.givenName));
  // Staff cards carry `<id>/<suffix>` and no person's names in the subject.
  const kind: CardHolderKind = cn.includes("/") || (!surname && !givenName) ? "staff" : "personal";
  const idNat = cn;
  const { idType, idNumber } = classifyIdNat(idNat);
  // The structure is the OU when there is one (a service within the organisation), else the O:
  // staff cards carry OU or O, and a personal card may carry either when the certificate names
  // the holder's place of practice (the usual personal subject has neither, hence null).
  const structure = first(subject.getField(OID.organisationalUnit)) ?? first(subject.getField(OID.organisation));

  return {
    idNat,
    idType,
    idNumber,
    kind,
    surname,
    givenName,
    profession: first(subject.getField(OID.title)),
    structure,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    issuer: first(cert.issuerName.getField(OID.commonName)) ?? cert.issuer,
    certificateSerial: normaliseSerial(cert.serialNumber),
    certificateSha256: createHash("sha256").update(der).digest("hex"),
  };
}
