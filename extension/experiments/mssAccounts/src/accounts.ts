/**
 * Finding, planning, creating and repairing the MSSanté account. The Thunderbird services come in
 * as `env` (MailServices, the nsISmtpServer view, saving the prefs), so this runs as well on the
 * unit tests' plain objects.
 */
import type { AccountChange, AccountSummary, CreateAccountRequest, ExistingAccount, ExperimentFailure, ExperimentResult } from "./api.ts";
import { setReceiptPrefs } from "./receipt-prefs.ts";
import { fail } from "./results.ts";
import { configureImap, configureSmtp, flag, HELD, moveFolders, PAUSED, setField, setFolders, smtpUsername } from "./settings.ts";
import type { Account, Identity, MailServicesLike, OutgoingServer, SmtpServer } from "./thunderbird-objects.ts";
import { checkAccountRequest, validLoginName } from "./validate.ts";

export interface AccountsEnv {
  MS: MailServicesLike;
  /** The outgoing server as an nsISmtpServer (itself when it cannot be). */
  asSmtp(server: OutgoingServer): SmtpServer;
  /** Writes the prefs now (they are written at shutdown anyway). */
  savePrefs(): void;
}

/** The account already there for an address, how it was found, and its identity (if any). */
interface Found {
  account: Account;
  identity: Identity | null;
  matchedBy: ExistingAccount["matchedBy"];
}

function list<T>(items: Iterable<T> | null | undefined): T[] {
  return Array.isArray(items) ? items : items ? Array.from(items) : [];
}

function identitiesOf(account: Account): Identity[] {
  return list(account.identities);
}

export function findAccountByEmail(MS: MailServicesLike, email: string): { account: Account; identity: Identity } | null {
  const want = email.toLowerCase();
  for (const account of list(MS.accounts.accounts)) {
    for (const id of identitiesOf(account)) {
      if (id?.email && id.email.toLowerCase() === want) return { account, identity: id };
    }
  }
  return null;
}

function smtpOf(env: AccountsEnv, identity: Identity | null): SmtpServer | null {
  if (!identity?.smtpServerKey) return null;
  try {
    const s = env.MS.outgoingServer.getServerByKey(identity.smtpServerKey);
    return s ? env.asSmtp(s) : null;
  } catch {
    return null;
  }
}

export function summary(env: AccountsEnv, account: Account, identity: Identity): AccountSummary {
  const server = account.incomingServer;
  const smtp = smtpOf(env, identity);
  return {
    accountId: account.key,
    email: identity.email,
    realName: identity.fullName || null,
    imap: server
      ? {
          host: server.hostname,
          port: server.port,
          socketType: server.socketType,
          authMethod: server.authMethod,
          username: server.username,
        }
      : null,
    smtp: smtp
      ? {
          host: smtp.hostname,
          port: smtp.port,
          socketType: smtp.socketType,
          authMethod: smtp.authMethod,
          username: smtp.username,
          key: smtp.key,
        }
      : null,
    paused: server ? flag(server, PAUSED) : false,
    held: server ? flag(server, HELD) : false,
  };
}

function findSmtp(env: AccountsEnv, req: CreateAccountRequest): SmtpServer | null {
  try {
    const s = env.MS.outgoingServer.findServer(smtpUsername(req.smtp, req.email), req.smtp.host, "smtp");
    return s ? env.asSmtp(s) : null;
  } catch {
    return null;
  }
}

function createSmtp(env: AccountsEnv, req: CreateAccountRequest): SmtpServer {
  const smtp = env.asSmtp(env.MS.outgoingServer.createServer("smtp"));
  configureSmtp(smtp, req.smtp, req.email, [], true);
  smtp.description = "MSSanté";
  return smtp;
}

/** The account already there for this address: by identity address, else by its IMAP server. */
function findExisting(MS: MailServicesLike, req: CreateAccountRequest): Found | null {
  const byEmail = findAccountByEmail(MS, req.email);
  if (byEmail) return { account: byEmail.account, identity: byEmail.identity, matchedBy: "email" };
  const server = MS.accounts.findServer(req.imap.username || req.email, req.imap.host, "imap");
  const account = server ? MS.accounts.findAccountForServer(server) : null;
  if (account) return { account, identity: account.defaultIdentity || identitiesOf(account)[0] || null, matchedBy: "imap-server" };
  return null;
}

/** What a new identity has before it is set: what a dry run compares against. */
function blankIdentity(): Identity {
  return { email: "", fullName: "", smtpServerKey: "", valid: false, fccFolderURI: "", draftsFolderURI: "", templatesFolderURI: "" };
}

/**
 * What bringing `found` to the request changes, as {field, from, to}; made only when `apply`.
 * Nothing is changed that is not listed: the identity's address (an account found by its IMAP
 * server may have another one), its name, the servers' settings, an SMTP server created.
 */
function repair(env: AccountsEnv, found: Found, req: CreateAccountRequest, apply: boolean): AccountChange[] {
  const { account } = found;
  const server = account.incomingServer!; // found accounts are IMAP ones (checked before)
  const email = req.email;
  const changes: AccountChange[] = [];
  configureImap(server, req.imap, changes, apply);
  let identity = found.identity;
  if (!identity) {
    changes.push({ field: "identity.created", from: null, to: email });
    identity = apply ? env.MS.accounts.createIdentity() : blankIdentity();
    if (apply) account.addIdentity(identity);
  }
  setField(identity, "email", email, changes, "identity", apply);
  // The name of an identity that has one is the user's choice: left as it is (only a new or
  // nameless identity gets the sender name the setup computed, ECO.2.2.7).
  if (req.realName && !identity.fullName) setField(identity, "fullName", req.realName, changes, "identity", apply);
  let smtp = findSmtp(env, req);
  if (smtp) {
    configureSmtp(smtp, req.smtp, email, changes, apply);
  } else {
    changes.push({ field: "smtp.created", from: null, to: `${req.smtp.host}:${req.smtp.port}` });
    if (apply) smtp = createSmtp(env, req);
  }
  if (!smtp || identity.smtpServerKey !== smtp.key) {
    const current = found.identity ? smtpOf(env, found.identity) : null;
    changes.push({
      field: "identity.smtpServer",
      from: current ? `${current.hostname}:${current.port}` : null,
      to: `${req.smtp.host}:${req.smtp.port}`,
    });
    if (apply && smtp) identity.smtpServerKey = smtp.key;
  }
  setFolders(identity, server, changes, apply);
  return changes;
}

function notImap(found: Found): ExperimentFailure | null {
  const server = found.account.incomingServer;
  if (server && server.type === "imap") return null;
  return fail("existing-not-imap", "an account for this address exists and is not an IMAP account; remove it or change it by hand");
}

/** planAccount: the existing account for this address and what a repair would change; changes nothing. */
export function plan(env: AccountsEnv, request: unknown): ExperimentResult<{ existing: ExistingAccount | null }> {
  const checked = checkAccountRequest(request);
  if (!checked.ok) return checked;
  const { req } = checked;
  const found = findExisting(env.MS, req);
  if (!found) return { ok: true, existing: null };
  const refused = notImap(found);
  if (refused) return refused;
  return {
    ok: true,
    existing: {
      accountId: found.account.key,
      matchedBy: found.matchedBy,
      email: found.identity ? found.identity.email || null : null,
      changes: repair(env, found, req, false),
    },
  };
}

/** The user confirmed this repair: for this account, and every field it changes. */
export function repairConfirmed(req: CreateAccountRequest, accountId: string, planned: AccountChange[]): boolean {
  const c = req.confirmedRepair;
  return !!c && c.accountId === accountId && Array.isArray(c.fields) && planned.every((p) => c.fields.includes(p.field));
}

type CreateOrRepairResult = ExperimentResult<{
  accountId: string;
  action: "created" | "repaired" | "unchanged";
  changes: AccountChange[];
  imapUsername: string;
}>;

/**
 * Creates the account, or leaves an existing one that already matches as it is ("unchanged").
 * An existing one that differs is repaired only when the request carries the user's confirmation
 * (`confirmedRepair`: that account, and every field planAccount reported); otherwise nothing is
 * touched and the answer is "repair-not-confirmed".
 */
export function createOrRepair(env: AccountsEnv, request: unknown): CreateOrRepairResult {
  const checked = checkAccountRequest(request);
  if (!checked.ok) return checked;
  const { req } = checked;
  const found = findExisting(env.MS, req);
  return found ? repairExisting(env, found, req) : createAccount(env, req);
}

function repairExisting(env: AccountsEnv, found: Found, req: CreateAccountRequest): CreateOrRepairResult {
  const refused = notImap(found);
  if (refused) return refused;
  const accountId = found.account.key;
  const imapUsername = found.account.incomingServer?.username ?? "";
  const planned = repair(env, found, req, false);
  if (!planned.length) return { ok: true, accountId, action: "unchanged", changes: [], imapUsername };
  if (!repairConfirmed(req, accountId, planned)) {
    return fail(
      "repair-not-confirmed",
      "an account for this address exists and would be changed (" +
        planned.map((p) => p.field).join(", ") +
        "); nothing was changed without the user's confirmation",
    );
  }
  const changes = repair(env, found, req, true);
  env.savePrefs();
  return { ok: true, accountId, action: "repaired", changes, imapUsername };
}

/**
 * A new account. The incoming server is attached last: setting it makes the account manager
 * refresh, and everything else must be in place by then.
 */
function createAccount(env: AccountsEnv, req: CreateAccountRequest): CreateOrRepairResult {
  const { MS } = env;
  const email = req.email;
  const changes: AccountChange[] = [];
  const server = MS.accounts.createIncomingServer(req.imap.username || email, req.imap.host, "imap");
  configureImap(server, req.imap, changes, true);
  let smtp = findSmtp(env, req);
  if (smtp) configureSmtp(smtp, req.smtp, email, changes, true);
  else smtp = createSmtp(env, req);
  const identity = MS.accounts.createIdentity();
  identity.fullName = req.realName;
  identity.email = email;
  identity.smtpServerKey = smtp.key;
  identity.valid = true;
  setFolders(identity, server, [], true);
  // Read receipts asked for are offered to the GP (ECO.3.1.6): the account's own MDN settings.
  const { setIntValue } = server;
  const { setBoolAttribute } = identity;
  if (setIntValue && setBoolAttribute) {
    setReceiptPrefs(
      { setBoolValue: (p, v) => server.setBoolValue(p, v), setIntValue: (p, v) => setIntValue.call(server, p, v) },
      { setBoolAttribute: (p, v) => setBoolAttribute.call(identity, p, v) },
    );
  }
  const account = MS.accounts.createAccount();
  account.addIdentity(identity);
  account.incomingServer = server;
  env.savePrefs();
  return {
    ok: true,
    accountId: account.key,
    action: "created",
    changes: [{ field: "account.created", from: null, to: email }, ...changes],
    imapUsername: server.username,
  };
}

/**
 * setImapUsername: the account's IMAP user name, which Thunderbird sends as the SASL EXTERNAL
 * authorisation id. The server's URI carries the user name, so the identities' Sent, Drafts and
 * Templates folders on it are moved to the new URI (Thunderbird leaves them as they were).
 */
export function setImapUsername(
  env: AccountsEnv,
  accountId: unknown,
  username: unknown,
): ExperimentResult<{ changed: boolean; from: string; to: string }> {
  if (!validLoginName(username)) return fail("invalid-request", "invalid user name");
  const account = getAccount(env.MS, accountId);
  const server = account?.incomingServer;
  if (!account || !server) return fail("unknown-account", "no such account");
  if (server.type !== "imap") return fail("existing-not-imap", "not an IMAP account");
  const from = server.username;
  if (from === username) return { ok: true, changed: false, from, to: username };
  const oldBase = server.serverURI;
  try {
    server.closeCachedConnections();
  } catch {
    /* no open connection */
  }
  server.username = username;
  for (const identity of identitiesOf(account)) moveFolders(identity, oldBase, server.serverURI);
  env.savePrefs();
  return { ok: true, changed: true, from, to: username };
}

export function getAccount(MS: MailServicesLike, accountId: unknown): Account | null {
  if (typeof accountId !== "string" || !accountId) return null;
  try {
    return MS.accounts.getAccount(accountId);
  } catch {
    return null;
  }
}
