/** Messages between TokenClient (the bridge) and token-worker.ts (the child that loads the PKCS#11 module). */
import type { ErrorCodeName } from "../../shared/protocol/errors.ts";

/** What a token looks like from the bridge (the child reports it, nothing secret in it). */
export interface TokenInfo {
  /** PKCS#11 slot id (hex): stable while the module stays loaded, not across restarts. */
  slotId: string;
  slotDescription: string;
  slotManufacturer: string;
  /** CKF_REMOVABLE_DEVICE: a reader slot (a card can be pulled). */
  removable: boolean;
  /** CKF_HW_SLOT: a physical reader rather than a software slot. */
  hardwareSlot: boolean;
  label: string;
  manufacturer: string;
  model: string;
  serialNumber: string;
  /** Token flags as reported (CK_TOKEN_INFO.flags). */
  flags: number;
  /** CKF_TOKEN_INITIALIZED: an uninitialised token carries no card data and is ignored for identity. */
  initialized: boolean;
  /** The token offers CKM_RSA_PKCS_PSS (a CPS4 does, a CPS3 does not: TLS 1.3 client auth needs it). */
  rsaPss: boolean;
  /** The token holds the "Certificat d'Authentification CPS" certificate (seen without login). */
  hasAuthCertificate: boolean;
}

/** The operations the child offers. None logs in, none signs: the bridge never handles a PIN. */
export type WorkerOp = "readCertificate" | "tokenFlags" | "listTokens" | "close";

/**
 * The PC/SC reader the card is bound to, and the other readers present: the identity and the PIN
 * state are read from the slot that names that reader (see slot-match.ts).
 */
export interface BoundReader {
  name: string;
  others: string[];
}

export interface WorkerRequest {
  id: number;
  op: WorkerOp;
  /** For readCertificate and tokenFlags; absent: no reader known (tests, benchmarks). */
  reader?: BoundReader;
}

export interface CertificateRead {
  /** DER, base64. */
  der: string;
  tokenLabel: string;
  /** How the certificate was found: by its CPS label, by the CPS_PRIV_AUT key's id, or first X.509 certificate. */
  foundBy: "label" | "key-id" | "first-certificate";
}

export interface TokenFlagsRead {
  flags: number;
  tokenLabel: string;
}

export type WorkerResult = CertificateRead | TokenFlagsRead | TokenInfo[] | null;

export type WorkerReply =
  | { id: number; ok: true; result: WorkerResult }
  | { id: number; ok: false; error: { code: ErrorCodeName; message: string } };

/** Sent once by the child when it is ready for requests. */
export interface WorkerReady {
  ready: true;
  pid: number;
}
