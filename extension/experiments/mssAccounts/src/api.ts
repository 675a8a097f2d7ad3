/**
 * The mssAccounts Experiment's API as the extension calls it (messenger.mssAccounts): one
 * definition for both sides. The implementation (implementation.ts) is checked against it at
 * type-check time, schema.json against MSS_ACCOUNTS_FUNCTIONS by extension/experiments/mss-accounts.test.ts.
 */

/** Result of every mssAccounts Experiment function: it never throws (see implementation.ts). */
export type ExperimentResult<T extends object = object> = ({ ok: true } & T) | ExperimentFailure;

export interface ExperimentFailure {
  ok: false;
  code: string;
  message: string;
  detail?: string;
}

export interface AccountServerConfig {
  host: string;
  port: number;
  /** 2 STARTTLS, 3 SSL/TLS; 0 (plain) is refused by createOrRepairAccount and planAccount ("plaintext-refused"). */
  socketType: number;
  /** 7 External ("TLS Certificate"), 3 cleartext password, 10 OAuth2, 1 none. */
  authMethod: number;
  username?: string;
}

export interface AccountSummary {
  accountId: string;
  email: string;
  realName: string | null;
  imap: (AccountServerConfig & { username: string }) | null;
  smtp: (AccountServerConfig & { username: string; key: string }) | null;
  /** Checks off while the card is out (pauseChecks). */
  paused: boolean;
  /** Checks off until the logon with the card is verified (holdChecks). */
  held: boolean;
}

/** A setting's value as the setup page shows it. */
export type ShownValue = string | number | boolean | null;

/** One setting an account repair changes ("imap.port", "identity.email", "smtp.created", …). */
export interface AccountChange {
  field: string;
  from: ShownValue;
  to: ShownValue;
}

/** The account already there for an address, and what a repair would change (planAccount). */
export interface ExistingAccount {
  accountId: string;
  /** Found by an identity with this address, or by its IMAP server and login (its identity may have another address). */
  matchedBy: "email" | "imap-server";
  /** The address of the identity found (null: the account has none). */
  email: string | null;
  changes: AccountChange[];
}

export interface CreateAccountRequest {
  email: string;
  realName: string;
  imap: AccountServerConfig;
  smtp: AccountServerConfig;
  /** The user's confirmation of a repair: required to change an existing account. */
  confirmedRepair?: { accountId: string; fields: string[] };
}

export type VerifyFailure =
  | "pin-locked"
  | "pin-wrong"
  | "pin-cancelled"
  | "client-cert-not-found"
  | "cert-refused"
  | "cert-not-igc-sante" // decided by the setup flow from the card's issuer, not by the Experiment
  | "server-cert-untrusted"
  | "server-cert-revoked"
  | "server-unreachable"
  | "login-refused"
  | "timeout"
  | "unknown";

export interface CheckFlags {
  paused: boolean;
  held: boolean;
}

/** A PKCS#11 module loaded in Thunderbird, as pkcs11ModulesOfManifest reports it. */
export interface Pkcs11ModuleSummary {
  /** The name it was registered under (this extension's own: the manifest's description). */
  name: string;
  libName: string;
  /** A card is present in one of its slots. */
  tokenPresent: boolean;
}

/** Pro Santé Connect as Thunderbird's OAuth2 provider for the PSC front's hosts (oauth-provider.ts). */
export interface OAuthProviderDetails {
  issuer: string;
  issuerIdentifier: string;
  clientId: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  redirectionEndpoint: string;
  usePKCE: true;
  scopes: string;
  hostnames: string[];
}

export interface MssAccountsApi {
  findAccount(email: string): Promise<ExperimentResult<{ found: boolean; account: AccountSummary | null }>>;
  /** Read-only: the existing account for this address and what a repair would change. */
  planAccount(req: CreateAccountRequest): Promise<ExperimentResult<{ existing: ExistingAccount | null }>>;
  /** Creates; leaves a matching account as it is; repairs a differing one only with req.confirmedRepair ("repair-not-confirmed" otherwise). */
  /** imapUsername: the IMAP server's user name (the SASL EXTERNAL authorisation id), as it is now. */
  createOrRepairAccount(
    req: CreateAccountRequest,
  ): Promise<
    ExperimentResult<{ accountId: string; action: "created" | "repaired" | "unchanged"; changes: AccountChange[]; imapUsername: string }>
  >;
  /**
   * Changes the account's IMAP user name (what Thunderbird sends as the SASL EXTERNAL
   * authorisation id), its identities' folders following the server's new URI.
   */
  setImapUsername(accountId: string, username: string): Promise<ExperimentResult<{ changed: boolean; from: string; to: string }>>;
  verifyLogon(
    accountId: string,
    timeoutMs?: number,
  ): Promise<ExperimentResult<{ verified: true }> | { ok: false; code: VerifyFailure; message: string; detail?: string }>;
  /** `signIn`: PSC's sign-in hosts, remembered for Thunderbird's (private) OAuth window as well. */
  rememberClientCertificate(req: {
    hosts: string[];
    certificateSha256: string;
    signIn?: boolean;
  }): Promise<ExperimentResult<{ remembered: string[] }>>;
  /**
   * Trusts `pem` for TLS servers if it is one of the CAs the add-on's package carries
   * (data/igc-sante-cas.json: the IGC-Santé server CAs, plus the test CA in a test build), else
   * "ca-not-allowed" and nothing trusted. `added`: trusted by this call (and recorded, so that
   * disabling or uninstalling the add-on takes it back); false when it was trusted already.
   */
  trustServerCA(pem: string): Promise<ExperimentResult<{ added: boolean; fingerprint: string }>>;
  pauseChecks(accountId: string, paused: boolean): Promise<ExperimentResult<CheckFlags>>;
  holdChecks(accountId: string, held: boolean): Promise<ExperimentResult<CheckFlags>>;
  /**
   * The PKCS#11 modules loaded in Thunderbird on the same library file as the pkcs11 manifest
   * `name` (a symbolic link, letter case or a bare file name aside), whatever they are called:
   * the pkcs11 API only knows modules by that manifest and its exact path.
   */
  pkcs11ModulesOfManifest(
    name: string,
  ): Promise<ExperimentResult<{ libraryPath: string; description: string; modules: Pkcs11ModuleSummary[] }>>;
  /**
   * Registers Pro Santé Connect as Thunderbird's OAuth2 provider for these hosts (replacing this
   * add-on's earlier registration), keeps the details for the next starts, and takes the
   * registration back when the add-on shuts down.
   */
  registerOAuthProvider(details: OAuthProviderDetails): Promise<ExperimentResult<{ registered: string[] }>>;
}

type ParameterCount<F> = F extends (...args: infer P) => unknown ? Required<P>["length"] : never;

/**
 * Every function of the API with its number of parameters (optional ones included). Its type
 * makes it list exactly MssAccountsApi's functions with their counts; the tests compare it with
 * schema.json and with the built implementation.
 */
export const MSS_ACCOUNTS_FUNCTIONS: { readonly [K in keyof MssAccountsApi]: ParameterCount<MssAccountsApi[K]> } = {
  findAccount: 1,
  planAccount: 1,
  createOrRepairAccount: 1,
  setImapUsername: 2,
  verifyLogon: 2,
  rememberClientCertificate: 1,
  trustServerCA: 1,
  pauseChecks: 2,
  holdChecks: 2,
  pkcs11ModulesOfManifest: 1,
  registerOAuthProvider: 1,
};
