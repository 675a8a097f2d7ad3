/**
 * The part of Thunderbird's `messenger` API this extension uses, typed by hand from the API
 * schemas (webextension-api.thunderbird.net, Thunderbird 153). @types/webextension-polyfill only
 * knows Firefox's APIs. The unit tests' fake (extension/test-support/fake-messenger.ts) implements
 * exactly this interface, so a mismatch shows up at type-check time.
 */

export interface WebExtEvent<F extends (...args: any[]) => any> {
  addListener(listener: F, ...extra: any[]): void;
  removeListener(listener: F): void;
  hasListener(listener: F): boolean;
}

/**
 * A contact as the address book provider returns it: a flat ContactProperties map
 * (DisplayName, PrimaryEmail, …). Checked on Thunderbird 153 with an MV2 extension: a
 * `{id, properties}` wrapper is read as a flat map too, so its cards reach autocomplete empty.
 */
export type ProviderContact = Record<string, string>;

export interface AddressBookNode {
  id: string;
  name?: string;
  type?: string;
}

export interface SearchRequestReturn {
  results: ProviderContact[];
  isCompleteResult: boolean;
}

export type SearchRequestListener = (
  node: AddressBookNode,
  searchString: string | null,
  query: string | null,
) => Promise<SearchRequestReturn> | SearchRequestReturn;

export interface ComposeTab {
  id: number;
  windowId?: number;
  type?: string;
}

export interface ComposeDetails {
  identityId?: string;
  from?: string;
  to?: string | string[];
  cc?: string | string[];
  bcc?: string | string[];
  subject?: string;
  customHeaders?: { name: string; value: string }[];
}

export type BeforeSendListener = (
  tab: ComposeTab,
  details: ComposeDetails,
) => Promise<{ cancel?: boolean; details?: ComposeDetails } | void> | { cancel?: boolean } | void;

export interface MailIdentity {
  id: string;
  accountId?: string;
  email: string;
  name?: string;
}

export interface Pkcs11Slot {
  name: string;
  token: { name: string; manufacturer?: string; HWVersion?: string; FWVersion?: string; serial?: string; isLoggedIn?: boolean } | null;
}

export type MessageSender = { id?: string; url?: string; tab?: { id?: number } };

/** Ports from runtime.connectNative. */
export interface NativePort {
  name: string;
  error?: { message: string } | null;
  postMessage(msg: unknown): void;
  disconnect(): void;
  onMessage: WebExtEvent<(msg: unknown) => void>;
  onDisconnect: WebExtEvent<(port: NativePort) => void>;
}

/** Result of every mssAccounts Experiment function: it never throws (see implementation.js). */
export type ExperimentResult<T extends object = object> =
  | ({ ok: true } & T)
  | { ok: false; code: string; message: string; detail?: string };

export interface AccountServerConfig {
  host: string;
  port: number;
  /** 0 plain, 2 STARTTLS, 3 SSL/TLS. */
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

/** One setting an account repair changes ("imap.port", "identity.email", "smtp.created", …). */
export interface AccountChange {
  field: string;
  from: string | number | boolean | null;
  to: string | number | boolean | null;
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
  | "server-unreachable"
  | "login-refused"
  | "timeout"
  | "unknown";

export interface MssAccountsApi {
  findAccount(email: string): Promise<ExperimentResult<{ found: boolean; account: AccountSummary | null }>>;
  /** Read-only: the existing account for this address and what a repair would change. */
  planAccount(req: CreateAccountRequest): Promise<ExperimentResult<{ existing: ExistingAccount | null }>>;
  /** Creates; leaves a matching account as it is; repairs a differing one only with req.confirmedRepair ("repair-not-confirmed" otherwise). */
  createOrRepairAccount(
    req: CreateAccountRequest,
  ): Promise<ExperimentResult<{ accountId: string; action: "created" | "repaired" | "unchanged"; changes: AccountChange[] }>>;
  verifyLogon(accountId: string, timeoutMs?: number): Promise<ExperimentResult<{ verified: true }> | { ok: false; code: VerifyFailure; message: string; detail?: string }>;
  rememberClientCertificate(req: { hosts: string[]; certificateSha256: string }): Promise<ExperimentResult<{ remembered: string[] }>>;
  trustServerCA(pem: string): Promise<ExperimentResult<{ added: boolean; fingerprint: string }>>;
  pauseChecks(accountId: string, paused: boolean): Promise<ExperimentResult<{ paused: boolean; held: boolean }>>;
  holdChecks(accountId: string, held: boolean): Promise<ExperimentResult<{ paused: boolean; held: boolean }>>;
}

export interface Messenger {
  runtime: {
    getURL(path: string): string;
    getManifest(): { version: string; [k: string]: unknown };
    sendMessage(msg: unknown): Promise<unknown>;
    onMessage: WebExtEvent<(msg: unknown, sender: MessageSender) => Promise<unknown> | void>;
    onInstalled: WebExtEvent<(details: { reason: string; temporary?: boolean }) => void>;
    sendNativeMessage(application: string, message: unknown): Promise<unknown>;
    connectNative(application: string): NativePort;
    openOptionsPage?(): Promise<void>;
  };
  storage: {
    local: {
      get(keys?: string | string[] | null): Promise<Record<string, unknown>>;
      set(items: Record<string, unknown>): Promise<void>;
      remove(keys: string | string[]): Promise<void>;
    };
  };
  i18n: { getMessage(name: string, substitutions?: string | string[]): string; getUILanguage(): string };
  addressBooks: {
    provider: {
      onSearchRequest: WebExtEvent<SearchRequestListener>;
    };
  };
  compose: {
    onBeforeSend: WebExtEvent<BeforeSendListener>;
    getComposeDetails(tabId: number): Promise<ComposeDetails>;
    setComposeDetails(tabId: number, details: ComposeDetails): Promise<void>;
  };
  identities: {
    get(identityId: string): Promise<MailIdentity | null>;
  };
  pkcs11: {
    isModuleInstalled(name: string): Promise<boolean>;
    installModule(name: string, flags?: number): Promise<void>;
    getModuleSlots(name: string): Promise<Pkcs11Slot[]>;
  };
  browserAction: {
    setBadgeText(details: { text: string }): Promise<void>;
    setBadgeBackgroundColor(details: { color: string }): Promise<void>;
    setTitle(details: { title: string }): Promise<void>;
    setIcon(details: { path: string | Record<string, string> }): Promise<void>;
  };
  notifications: {
    create(id: string, options: { type: "basic"; title: string; message: string; iconUrl?: string }): Promise<string>;
  };
  windows: {
    create(data: { url: string; type?: "popup" | "normal"; width?: number; height?: number; allowScriptsToClose?: boolean }): Promise<{ id?: number }>;
    remove(windowId: number): Promise<void>;
    onRemoved: WebExtEvent<(windowId: number) => void>;
  };
  tabs: {
    create(props: { url: string; active?: boolean }): Promise<{ id?: number }>;
  };
  mssAccounts: MssAccountsApi;
}

/** The global Thunderbird provides to extension pages and the background. */
export function getMessenger(): Messenger {
  const g = globalThis as unknown as { messenger?: Messenger; browser?: Messenger };
  const m = g.messenger ?? g.browser;
  if (!m) throw new Error("messenger API unavailable: not running inside Thunderbird");
  return m;
}
