/** Who the card says its holder is: parsed from the authentication certificate's subject. */

/** The register an identifier comes from, by the first digit of the idNat (see MSSANTE.md). */
export type IdType =
  | "ADELI" // 0
  | "ADELI_CABINET" // 1
  | "FINESS" // 3
  | "SIREN" // 4
  | "SIRET" // 5
  | "RPPS_CABINET" // 6
  | "RPPS" // 8
  | "UNKNOWN";

/** personal: a CPS of a health professional; staff: a CPE/CPA (employee of a structure). */
export type CardHolderKind = "personal" | "staff";

export interface CardIdentity {
  /** National identifier as written on the card, e.g. "810001234567" (8 + RPPS). */
  idNat: string;
  idType: IdType;
  /** The register number without its prefix digit (RPPS for "8…"), or the idNat when unknown. */
  idNumber: string;
  kind: CardHolderKind;
  surname: string | null;
  givenName: string | null;
  /** Profession (`title` of the subject), e.g. "Médecin". */
  profession: string | null;
  /** Structure of a staff card (`OU`). */
  structure: string | null;
  /** Certificate validity, ISO 8601. */
  notBefore: string;
  notAfter: string;
  /** Issuer's common name, e.g. "AC IGC-SANTE FORT PERSONNES". */
  issuer: string;
  /** Certificate serial number (hex). */
  certificateSerial: string;
  /** SHA-256 fingerprint of the certificate (hex, lower case), how servers map the card. */
  certificateSha256: string;
}

/** PIN state as the token flags tell it; the bridge never sees the PIN itself. */
export type PinState =
  | "ok"
  | "count-low" // CKF_USER_PIN_COUNT_LOW: a wrong PIN was typed since the last good one
  | "final-try" // CKF_USER_PIN_FINAL_TRY: one more wrong PIN blocks the card
  | "locked" // CKF_USER_PIN_LOCKED: blocked, needs the unblocking code (PUK)
  | "to-be-changed" // CKF_USER_PIN_TO_BE_CHANGED
  | "not-initialized"; // CKF_USER_PIN_INITIALIZED not set

export interface PinStatus {
  state: PinState;
  /** The reader has a PIN pad (CKF_PROTECTED_AUTHENTICATION_PATH): the PIN is typed on it. */
  pinPad: boolean;
}
