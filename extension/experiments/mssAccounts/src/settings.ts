/**
 * Comparing and setting an account's settings. Dry runs (planAccount) and repairs share these, so
 * they report the same fields. Pure: they work on whatever objects they are given.
 */
import type { AccountChange, AccountServerConfig, ShownValue } from "./api.ts";
import type { Identity, IncomingServer, SmtpServer } from "./thunderbird-objects.ts";

/** A value as the setup page shows it: numbers and strings as they are, nothing as null. */
export function show(v: unknown): ShownValue {
  if (v === undefined || v === null || v === "") return null;
  return typeof v === "number" || typeof v === "boolean" ? v : String(v);
}

/**
 * Compares obj[prop] with value; a difference is recorded as {field, from, to} and, only when
 * `apply`, made.
 */
export function setField<T extends object, K extends keyof T & string>(
  obj: T,
  prop: K,
  value: T[K],
  changes: AccountChange[],
  label: string,
  apply: boolean,
): void {
  if (obj[prop] !== value) {
    changes.push({ field: `${label}.${prop}`, from: show(obj[prop]), to: show(value) });
    if (apply) obj[prop] = value;
  }
}

/** The SMTP login: the one asked for, else the address. */
export function smtpUsername(cfg: AccountServerConfig, email: string): string {
  return cfg.username || email;
}

export function configureSmtp(smtp: SmtpServer, cfg: AccountServerConfig, email: string, changes: AccountChange[], apply: boolean): void {
  setField(smtp, "hostname", cfg.host, changes, "smtp", apply);
  setField(smtp, "port", cfg.port, changes, "smtp", apply);
  setField(smtp, "socketType", cfg.socketType, changes, "smtp", apply);
  setField(smtp, "authMethod", cfg.authMethod, changes, "smtp", apply);
  setField(smtp, "username", smtpUsername(cfg, email), changes, "smtp", apply);
}

/** The IMAP server's settings (its login is fixed when it is created). */
export function configureImap(server: IncomingServer, cfg: AccountServerConfig, changes: AccountChange[], apply: boolean): void {
  setField(server, "hostname", cfg.host, changes, "imap", apply);
  setField(server, "port", cfg.port, changes, "imap", apply);
  setField(server, "socketType", cfg.socketType, changes, "imap", apply);
  setField(server, "authMethod", cfg.authMethod, changes, "imap", apply);
}

const FOLDERS = [
  ["fccFolderURI", "Sent"],
  ["draftsFolderURI", "Drafts"],
  ["templatesFolderURI", "Templates"],
] as const;

/** Sent, Drafts and Templates on the account's server, for an identity that has none. */
export function setFolders(identity: Identity, server: Pick<IncomingServer, "serverURI">, changes: AccountChange[], apply: boolean): void {
  const base = `${server.serverURI}/`;
  for (const [prop, name] of FOLDERS) {
    if (!identity[prop]) setField(identity, prop, base + name, changes, "identity", apply);
  }
}

/**
 * The identity's folders on a server whose URI changed (its user name is part of it): each one
 * under `oldBase` is moved under `newBase`; the others (another server, Local Folders) stay.
 */
export function moveFolders(identity: Identity, oldBase: string, newBase: string): void {
  if (oldBase === newBase) return;
  for (const [prop] of FOLDERS) {
    const uri = identity[prop];
    if (uri?.startsWith(`${oldBase}/`)) identity[prop] = newBase + uri.slice(oldBase.length);
  }
}

/**
 * Two independent reasons keep an account's automatic checks (biff, login at startup) off: the
 * card is out (pauseChecks, from the extension's card watcher) and the logon with the card has not
 * been verified yet (holdChecks, from the setup). Checks run again only when neither holds.
 */
export const PAUSED = "mss_checks_paused";
export const HELD = "mss_checks_held";
export type CheckReason = typeof PAUSED | typeof HELD;

export function flag(server: Pick<IncomingServer, "getBoolValue">, pref: string): boolean {
  try {
    return server.getBoolValue(pref) === true;
  } catch {
    return false;
  }
}

/**
 * Sets one reason for keeping the account's checks off. The user's own doBiff / loginAtStartUp
 * are saved when the first reason appears and restored when the last one goes, so resuming after
 * the card returns does not restart an account whose logon is unverified.
 */
export function setCheckFlag(server: IncomingServer, pref: CheckReason, on: boolean): { paused: boolean; held: boolean } {
  const off = () => flag(server, PAUSED) || flag(server, HELD);
  const wasOff = off();
  if (on && !wasOff) {
    server.setBoolValue("mss_prev_doBiff", !!server.doBiff);
    server.setBoolValue("mss_prev_loginAtStartUp", !!server.loginAtStartUp);
    server.doBiff = false;
    server.loginAtStartUp = false;
  }
  if (flag(server, pref) !== on) server.setBoolValue(pref, on);
  if (on && !wasOff) {
    try {
      server.closeCachedConnections();
    } catch {
      /* no open connection */
    }
  } else if (wasOff && !off()) {
    let prevBiff = true;
    let prevLogin = true;
    try {
      prevBiff = server.getBoolValue("mss_prev_doBiff");
      prevLogin = server.getBoolValue("mss_prev_loginAtStartUp");
    } catch {
      /* defaults */
    }
    server.doBiff = prevBiff;
    server.loginAtStartUp = prevLogin;
  }
  return { paused: flag(server, PAUSED), held: flag(server, HELD) };
}
