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

/**
 * The servers and Thunderbird settings of a card login, chosen by the bridge with its operator
 * policies (config `discovery.policies`): the one source of which front and login method an
 * operator accepts. Auth methods are Thunderbird's nsMsgAuthMethod values (7 = External).
 */
export interface CardLogin {
  /** The policy's front for the card (default: the certificate front). */
  front: Front;
  /** Per service, the first target on that front, confirmed ones first; null when there is none. */
  imap: ServerTarget | null;
  submission: ServerTarget | null;
  imapAuthMethod: number;
  smtpAuthMethod: number;
}

/** What discovery answers: every target found, and the ones a card login uses. */
export interface Discovery {
  targets: ServerTarget[];
  cardLogin: CardLogin;
}
