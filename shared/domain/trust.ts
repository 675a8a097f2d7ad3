/** The MSSanté trust space (whitelist of operator domains) and server discovery. */

export type TrustVerdict = "trusted" | "untrusted" | "unknown";

export interface TrustDecision {
  address: string;
  /** The address's domain in ASCII (IDNA) form. */
  domain: string;
  verdict: TrustVerdict;
  /** Date of the whitelist the decision was made with (ISO 8601), null if none is loaded. */
  listDate: string | null;
}

export interface TrustList {
  domains: string[];
  date: string | null;
  /** A bundled list for tests and demo only, never the real whitelist. */
  testOnly: boolean;
}

/** Pro Santé Connect front (priority 10) or certificate front (priority 20), per Référentiel #2. */
export type Front = "psc" | "certificate";

export interface ServerTarget {
  service: "imap" | "submission";
  host: string;
  port: number;
  priority: number;
  weight: number;
  front: Front;
  source: "srv" | "override";
  /** False when the target lies outside the address's domain and the trust space: ask the user. */
  confirmed: boolean;
}
