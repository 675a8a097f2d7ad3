/**
 * The Thunderbird objects the Experiment works on (XPCOM interfaces nsIMsgAccount,
 * nsIMsgIdentity, nsIMsgIncomingServer, nsISmtpServer, MailServices), typed by hand with only
 * what is used (checked against Thunderbird 153). The pure modules take them as parameters, so
 * the unit tests pass plain objects.
 */

/** nsIMsgIncomingServer. */
export interface IncomingServer {
  readonly type: string;
  hostname: string;
  port: number;
  socketType: number;
  authMethod: number;
  username: string;
  readonly serverURI: string;
  doBiff: boolean;
  loginAtStartUp: boolean;
  /** Throws when the pref is not set. */
  getBoolValue(pref: string): boolean;
  setBoolValue(pref: string, value: boolean): void;
  /** Always there in Thunderbird; optional for the tests' fakes (receipt-prefs.ts). */
  setIntValue?(pref: string, value: number): void;
  closeCachedConnections(): void;
  verifyLogon(listener: UrlListener, msgWindow: unknown): void;
}

/** nsISmtpServer (an outgoing server QueryInterface'd to it). */
export interface SmtpServer {
  readonly key: string;
  hostname: string;
  port: number;
  socketType: number;
  authMethod: number;
  username: string;
  description: string;
}

/** An outgoing server as MailServices.outgoingServer hands it out (nsIMsgOutgoingServer). */
export interface OutgoingServer extends SmtpServer {
  QueryInterface(iid: unknown): SmtpServer;
}

/** nsIMsgIdentity. */
export interface Identity {
  email: string;
  fullName: string;
  smtpServerKey: string;
  valid: boolean;
  fccFolderURI: string;
  draftsFolderURI: string;
  templatesFolderURI: string;
  /** Always there in Thunderbird; optional for the tests' fakes (receipt-prefs.ts). */
  setBoolAttribute?(pref: string, value: boolean): void;
}

/** nsIMsgAccount. */
export interface Account {
  readonly key: string;
  incomingServer: IncomingServer | null;
  /** An array in Thunderbird 153 (an nsIArray-like iterable before). */
  readonly identities: Iterable<Identity> | null;
  readonly defaultIdentity: Identity | null;
  addIdentity(identity: Identity): void;
}

/** MailServices (resource:///modules/MailServices.sys.mjs): accounts and outgoing servers. */
export interface MailServicesLike {
  accounts: {
    readonly accounts: Iterable<Account> | null;
    findServer(username: string, hostname: string, type: string): IncomingServer | null;
    findAccountForServer(server: IncomingServer): Account | null;
    createIncomingServer(username: string, hostname: string, type: string): IncomingServer;
    createIdentity(): Identity;
    createAccount(): Account;
    getAccount(key: string): Account | null;
  };
  outgoingServer: {
    findServer(username: string, hostname: string, type: string): OutgoingServer | null;
    createServer(type: "smtp"): OutgoingServer;
    getServerByKey(key: string): OutgoingServer | null;
  };
}

/** nsIUrlListener, as verifyLogon calls it back. */
export interface UrlListener {
  QueryInterface: unknown;
  OnStartRunningUrl(url: unknown): void;
  OnStopRunningUrl(url: unknown, status: number): void;
}
