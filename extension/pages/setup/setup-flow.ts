/**
 * The one-click account setup as a pure flow over injected dependencies (the bridge through the
 * background, Thunderbird's pkcs11 API, the mssAccounts Experiment) and UI questions. No DOM here:
 * setup.ts renders; this decides. Two phases:
 *   prepare()   — bridge, reader, card and PIN state; identity from the card; the doctor's
 *                 mailboxes from the directory by idNat (one → preselected, several → choose,
 *                 none → manual entry).
 *   provision() — trust space, server discovery (the card login's servers and auth methods as the
 *                 bridge chooses them with its operator policies), then the PIN state gate
 *                 before anything in Thunderbird changes, card module into Thunderbird, IGC-Santé
 *                 CAs, account (created; an existing one reported and repaired only if the user
 *                 agrees), its checks held, card certificate remembered for those hosts, logon
 *                 check, checks released once the logon works.
 * Every failure is a {ok: false, failure: {step, code}} the page explains (title + what to do);
 * provisionSafely/prepareSafely turn anything thrown as well into such a failure.
 */
import { issuedByIgcSante } from "../../../shared/domain/igc-sante.ts";
import type { CardLayerState } from "../../../shared/domain/card.ts";
import type { DirectoryEntry } from "../../../shared/domain/directory-entry.ts";
import type { CardIdentityMessage, PinStatus } from "../../../shared/domain/identity.ts";
import type { CardLoginName, PscLogin, ServerTarget } from "../../../shared/domain/trust.ts";
import type { MethodName, Params, Result } from "../../../shared/protocol/schemas.ts";
import { BRIDGE_CALL_TIMEOUT_MS, CARD_CALL_TIMEOUT_MS, PKCS11_MANIFEST_NAME } from "../../../shared/constants.ts";
import type { BridgeState } from "../../background/bridge-client.ts";
import type { ProvisionedAccount } from "../../background/card-watch.ts";
import type { Pkcs11Slot } from "../../background/messenger-types.ts";
import type {
  AccountChange,
  CreateAccountRequest,
  ExistingAccount,
  MssAccountsApi,
  Pkcs11ModuleSummary,
  VerifyFailure,
} from "../../experiments/mssAccounts/src/api.ts";
import { normalizeTypedAddress } from "../../../shared/domain/address.ts";
import { senderDisplayName } from "../../../shared/domain/sender-display-name.ts";

export type StepId =
  | "bridge"
  | "card"
  | "identity"
  | "directory"
  | "trust"
  | "discovery"
  | "module"
  | "ca"
  | "account"
  | "certificate"
  | "pin"
  | "logon";
export type StepState = "running" | "done" | "warning" | "failed" | "skipped";

export type FailureCode =
  | "bridge-down"
  | "request-timeout"
  | "bridge-unpaired"
  | "not-the-bridge"
  | "bridge-incompatible"
  | "pcsc-unavailable"
  | "no-reader"
  | "no-card"
  | "unknown-card"
  | "several-cards"
  | "module-unavailable"
  | "identity-unreadable"
  | "invalid-address"
  | "not-in-trust-space"
  | "trust-unknown"
  | "discovery-failed"
  | "bridge-outdated"
  | "no-certificate-front"
  | "no-psc-front"
  | "psc-not-configured"
  | "provider-failed"
  | "targets-refused"
  | "module-missing"
  | "module-manifest-failed"
  | "module-load-failed"
  | "ca-trust-failed"
  | "ca-not-allowed"
  | "existing-not-imap"
  | "plaintext-refused"
  | "repair-declined"
  | "account-failed"
  | "record-failed"
  | "client-cert-not-found"
  | "pin-locked"
  | "pin-to-be-changed"
  | "pin-declined"
  | `logon-${VerifyFailure}`
  | "checks-resume-failed"
  | "bridge-error"
  | "unexpected-error";

export interface SetupFailure {
  step: StepId;
  code: FailureCode;
  /** Technical detail for the "details" fold (never a secret). */
  detail?: string;
}

/** Errors thrown by SetupDeps.call carry the bridge client's code (ClientErrorCode). */
export interface CallError {
  code: string;
  message: string;
}

export interface SetupDeps {
  bridgeState(): BridgeState["kind"];
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>;
  pkcs11: {
    isModuleInstalled(name: string): Promise<boolean>;
    installModule(name: string, flags?: number): Promise<void>;
    getModuleSlots(name: string): Promise<Pkcs11Slot[]>;
  };
  accounts: MssAccountsApi;
  /** The IGC-Santé CAs shipped with the extension (data/igc-sante-cas.json), with their subject CN. */
  loadCAs(): Promise<{ name: string; pem: string; subjectCN?: string }[]>;
  recordAccount(a: ProvisionedAccount): Promise<void>;
}

export interface SetupUi {
  progress(step: StepId, state: StepState, info?: Record<string, string>): void;
  /** Discovery found targets outside the address's domain and the trust space: may we use them? */
  confirmTargets(targets: ServerTarget[]): Promise<boolean>;
  /** The PIN has had wrong tries: continue (NSS will ask for it) or stop? */
  confirmPin(state: "count-low" | "final-try"): Promise<boolean>;
  /** An account for this address exists and differs: change these settings (repair) or stop? */
  confirmRepair(existing: ExistingAccount): Promise<boolean>;
}

export interface Prepared {
  identity: CardIdentityMessage;
  pin: PinStatus;
  candidates: DirectoryEntry[];
  /** The address to preselect: the only (personal) mailbox, else null. */
  preselected: string | null;
  /** The directory could not be asked: manual entry only. */
  directoryUnavailable: boolean;
}

export type PrepareOutcome = { ok: true; prepared: Prepared } | { ok: false; failure: SetupFailure };

/**
 * The IMAP user name the account logs in with (Thunderbird sends it as the SASL EXTERNAL
 * authorisation id): the address, the card's idNat, or another one set by hand; `fallback` when the
 * server refused the first one during this setup and the other one worked.
 */
export interface LoginName {
  value: string;
  kind: CardLoginName | "other";
  fallback: boolean;
}

export interface Provisioned {
  accountId: string;
  /**
   * How the account logs in, as the operator policy says: "card" (the card's certificate, SASL
   * EXTERNAL) or "psc" (Pro Santé Connect, OAuth2 / XOAUTH2, the card used in PSC's sign-in page).
   */
  method: "card" | "psc";
  action: "created" | "repaired" | "unchanged";
  address: string;
  realName: string;
  imap: ServerTarget;
  smtp: ServerTarget;
  login: LoginName;
  warnings: string[];
}
/** What provision() sets up: the card holder, the address, and its directory entry when it has one. */
export interface ProvisionInput {
  identity: CardIdentityMessage;
  address: string;
  /** The directory's entry for the address (its type decides the sender name, ECO.2.2.7); none when typed by hand. */
  mailbox?: DirectoryEntry | null;
}

export type ProvisionOutcome = { ok: true; result: Provisioned } | { ok: false; failure: SetupFailure };

// ---- pure helpers ----------------------------------------------------------------------------

export function bridgeFailure(kind: BridgeState["kind"]): FailureCode | null {
  switch (kind) {
    case "connected":
      return null;
    case "unpaired":
      return "bridge-unpaired";
    case "not-the-bridge":
      return "not-the-bridge";
    case "incompatible":
      return "bridge-incompatible";
    default:
      return "bridge-down";
  }
}

export function cardFailure(card: CardLayerState): FailureCode | null {
  if (!card.pcscAvailable) return "pcsc-unavailable";
  if (card.unavailable) return card.unavailable.reason;
  if (!card.readers.length) return "no-reader";
  if (!card.readers.some((r) => r.cardPresent)) return "no-card";
  return null;
}

/**
 * How long a page waits for the bridge's answer to `method`: longer than the bridge's own bound for
 * it, so a slow operation ends with the bridge's error (which says what took too long), not ours.
 */
export function bridgeCallTimeout(method: MethodName): number {
  return method.startsWith("card.") && method !== "card.getState" ? CARD_CALL_TIMEOUT_MS : BRIDGE_CALL_TIMEOUT_MS;
}

/** Maps a bridge call error to the flow's failure code. */
export function callFailure(e: unknown): FailureCode {
  const code = (e as CallError | undefined)?.code;
  switch (code) {
    case "NOT_CONNECTED":
    case "CONNECTION_CLOSED":
      return "bridge-down";
    // The bridge is there but did not answer in time (REQUEST_TIMEOUT: the page gave up; TIMEOUT:
    // the bridge itself gave up on the card): the card or its reader is stuck, not the bridge gone.
    case "REQUEST_TIMEOUT":
    case "TIMEOUT":
      return "request-timeout";
    case "CARD_REMOVED":
      return "no-card";
    case "NO_READER":
      return "no-reader";
    case "PCSC_UNAVAILABLE":
      return "pcsc-unavailable";
    case "UNKNOWN_CARD":
      return "unknown-card";
    // Several cards/tokens and none the bound reader's: the bridge cannot tell which is the user's.
    case "SEVERAL_CARDS":
      return "several-cards";
    case "MODULE_UNAVAILABLE":
      return "module-unavailable";
    default:
      return "bridge-error";
  }
}

/** Failures of the connection to the bridge itself, reported as such at any step. */
function transport(code: FailureCode): boolean {
  return code === "bridge-down" || code === "request-timeout";
}

function detailOf(e: unknown): string {
  const c = e as CallError | undefined;
  return c && typeof c.message === "string" ? `${c.code ?? "error"}: ${c.message}`.slice(0, 300) : String(e).slice(0, 300);
}

/** Personal mailboxes first (PER), in directory order; preselect when exactly one personal one. */
export function orderCandidates(entries: DirectoryEntry[]): { candidates: DirectoryEntry[]; preselected: string | null } {
  const seen = new Set<string>();
  const uniq = entries.filter((e) => {
    const k = e.email.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const per = uniq.filter((e) => e.type === "PER");
  const other = uniq.filter((e) => e.type !== "PER");
  const candidates = [...per, ...other];
  const preselected = per.length === 1 ? per[0]!.email : candidates.length === 1 ? candidates[0]!.email : null;
  return { candidates, preselected };
}

/** The IMAP user name a login-name policy gives: the mailbox address or the card's idNat. */
export function loginNameFor(policy: CardLoginName, address: string, idNat: string): string {
  return policy === "idNat" ? idNat : address;
}

/** Which kind of name `value` is, for this address and card. */
export function loginNameKind(value: string, address: string, idNat: string): LoginName["kind"] {
  if (value.toLowerCase() === address.toLowerCase()) return "address";
  return value === idNat ? "idNat" : "other";
}

/**
 * The one other name tried when the server refuses the login: the card's idNat instead of the
 * address (a standard server takes the user from the certificate and refuses any other
 * authorisation id), the address instead of the idNat (a server that names mailboxes by address).
 */
export function fallbackLoginName(current: string, address: string, idNat: string): string {
  return loginNameKind(current, address, idNat) === "idNat" ? address : idNat;
}

/** Implicit TLS on 993/465, STARTTLS otherwise (the MSSanté client interface: STARTTLS on 143/587). */
export function socketTypeFor(port: number): number {
  return port === 993 || port === 465 ? 3 : 2;
}

/** Every setting the Experiment can report changing in a repair (each has a `change_…` label). */
export const CHANGE_FIELDS = [
  "imap.hostname",
  "imap.port",
  "imap.socketType",
  "imap.authMethod",
  "identity.created",
  "identity.email",
  "identity.fullName",
  "identity.smtpServer",
  "identity.fccFolderURI",
  "identity.draftsFolderURI",
  "identity.templatesFolderURI",
  "smtp.created",
  "smtp.hostname",
  "smtp.port",
  "smtp.socketType",
  "smtp.authMethod",
  "smtp.username",
] as const;

const SOCKET_TYPES: Record<number, string> = { 2: "STARTTLS", 3: "SSL/TLS" };

/**
 * One line of "what would change" for the repair question: "Port IMAP : 1143 → 143".
 * `t` is the page's translator (message name with "." and "-" as "_").
 */
export function describeChange(c: AccountChange, t: (key: string, subs?: string[]) => string): string {
  const value = (v: AccountChange["from"]): string => {
    if (v === null || v === "") return t("valueNone");
    if (c.field.endsWith(".socketType") && typeof v === "number") return SOCKET_TYPES[v] ?? t("socketType_0");
    if (c.field.endsWith(".authMethod") && typeof v === "number") {
      const s = t(`authMethod_${v}`);
      return s === `authMethod_${v}` ? String(v) : s;
    }
    return String(v);
  };
  const label = t(`change_${c.field}`);
  if (c.field === "identity.created" || c.field === "smtp.created") return `${label} : ${value(c.to)}`;
  return `${label} : ${value(c.from)} → ${value(c.to)}`;
}

// ---- the flow -------------------------------------------------------------------------------

export async function prepare(deps: SetupDeps, ui: SetupUi): Promise<PrepareOutcome> {
  const fail = (step: StepId, code: FailureCode, detail?: string): PrepareOutcome => {
    ui.progress(step, "failed", { code });
    return { ok: false, failure: detail ? { step, code, detail } : { step, code } };
  };

  ui.progress("bridge", "running");
  const bf = bridgeFailure(deps.bridgeState());
  if (bf) return fail("bridge", bf);
  ui.progress("bridge", "done");

  ui.progress("card", "running");
  let card: CardLayerState;
  try {
    card = await deps.call("card.getState", {});
  } catch (e) {
    return fail("card", callFailure(e), detailOf(e));
  }
  const cf = cardFailure(card);
  if (cf) return fail("card", cf);
  let pin: PinStatus;
  try {
    pin = await deps.call("card.getPinStatus", {});
  } catch (e) {
    return fail("card", callFailure(e), detailOf(e));
  }
  if (pin.state === "locked") return fail("pin", "pin-locked");
  ui.progress("card", "done", { pin: pin.state });
  // Shown now, before anything could make NSS ask for the PIN; confirmed again before the logon.
  if (pin.state !== "ok") ui.progress("pin", "warning", { pin: pin.state });

  ui.progress("identity", "running");
  let identity: CardIdentityMessage;
  try {
    identity = await deps.call("card.getIdentity", {});
  } catch (e) {
    const code = callFailure(e);
    return fail("identity", code === "bridge-error" ? "identity-unreadable" : code, detailOf(e));
  }
  ui.progress("identity", "done");

  ui.progress("directory", "running");
  try {
    const { entries } = await deps.call("directory.lookupByIdNat", { idNat: identity.idNat });
    const { candidates, preselected } = orderCandidates(entries);
    ui.progress("directory", candidates.length ? "done" : "warning", { count: String(candidates.length) });
    return { ok: true, prepared: { identity, pin, candidates, preselected, directoryUnavailable: false } };
  } catch (e) {
    if (callFailure(e) === "bridge-down") return fail("directory", "bridge-down", detailOf(e));
    ui.progress("directory", "warning", { code: "directory-unavailable" });
    return { ok: true, prepared: { identity, pin, candidates: [], preselected: null, directoryUnavailable: true } };
  }
}

const REFUSALS = new Set<VerifyFailure>(["login-refused", "cert-refused", "client-cert-not-found"]);

/** A failed step: shown as failed, and the failure the page explains. */
type Failed = { ok: false; failure: SetupFailure };

function failed(ui: SetupUi, step: StepId, code: FailureCode, detail?: string): Failed {
  ui.progress(step, "failed", { code });
  return { ok: false, failure: detail ? { step, code, detail } : { step, code } };
}

/** The card login's servers: the IMAP and submission targets and the auth methods for them. */
interface CardServers {
  imap: ServerTarget;
  smtp: ServerTarget;
  imapAuthMethod: number;
  smtpAuthMethod: number;
  /** The operator policy's IMAP user name (a bridge from before it: the address). */
  loginName: CardLoginName;
  /** Pro Santé Connect's provider when the operator's login is PSC; null for the card login. */
  provider: NonNullable<PscLogin["provider"]> | null;
}

/** Thunderbird's auth method for a PSC login: OAuth2, which sends SASL XOAUTH2. */
export const OAUTH2_AUTH_METHOD = 10;

/**
 * The hosts where PSC's sign-in page asks for the card's certificate: the authorization endpoint's
 * and the issuer's (NSS then sends the card's certificate there without asking which one).
 */
export function signInHosts(provider: { authorizationEndpoint: string; issuer: string }): string[] {
  const hosts = [provider.authorizationEndpoint, provider.issuer].flatMap((u) => {
    try {
      return [new URL(u).hostname];
    } catch {
      return [];
    }
  });
  return [...new Set(hosts)];
}

/**
 * Trust space, discovery, the PIN gate, then (only then) Thunderbird: card module, CAs, account,
 * certificate, logon. Each step is a function below; the first that fails ends the setup.
 */
export async function provision(deps: SetupDeps, ui: SetupUi, input: ProvisionInput): Promise<ProvisionOutcome> {
  const address = accountAddress(input.address);
  if (!address) return failed(ui, "trust", "invalid-address");
  const bf = bridgeFailure(deps.bridgeState());
  if (bf) return failed(ui, "bridge", bf);
  const warnings: string[] = [];

  const trust = await checkTrustSpace(deps, ui, address);
  if (!trust.ok) return trust;
  const servers = await discoverCardServers(deps, ui, address);
  if (!servers.ok) return servers;
  const { imap, smtp } = servers;
  const pin = await checkPinBeforeChanges(deps, ui);
  if (!pin.ok) return pin;
  const cardModule = await installCardModule(deps, ui, warnings);
  if (!cardModule.ok) return cardModule;
  const cas = await trustServerCAs(deps, ui);
  if (!cas.ok) return cas;
  // ECO.2.2.7: set on a new account only; an existing account keeps the name its user gave it.
  const realName = senderDisplayName(input.identity, input.mailbox ?? null);
  if (servers.provider) {
    // Before the account: Thunderbird finds the provider by the mail host when the account signs in.
    const registered = await deps.accounts.registerOAuthProvider(servers.provider).catch(thrown);
    if (!registered.ok) return failed(ui, "account", "provider-failed", `${registered.code}: ${registered.message}`);
  }
  const account = await createOrRepairAccount(deps, ui, { address, realName, servers, idNat: input.identity.idNat }, warnings);
  if (!account.ok) return account;
  // Card login: the card's certificate for the mail hosts. PSC: for PSC's sign-in page's hosts.
  const certHosts = servers.provider ? signInHosts(servers.provider) : [imap.host, smtp.host];
  const certificate = await rememberCardCertificate(deps, ui, certHosts, input.identity.certificateSha256, !!servers.provider);
  if (!certificate.ok) return certificate;
  const logon = await verifyLogon(deps, ui, {
    accountId: account.accountId,
    pinBefore: pin.state,
    identity: input.identity,
    knownCaNames: cas.knownCaNames,
    address,
    imapUsername: account.imapUsername,
    // The PSC token names the card holder: another user name cannot be right.
    otherNameAllowed: !servers.provider,
  });
  if (!logon.ok) return logon;
  const login: LoginName = {
    value: logon.imapUsername,
    kind: loginNameKind(logon.imapUsername, address, input.identity.idNat),
    fallback: logon.imapUsername !== account.imapUsername,
  };
  const method = servers.provider ? "psc" : "card";
  return {
    ok: true,
    result: { accountId: account.accountId, method, action: account.action, address, realName, imap, smtp, login, warnings },
  };
}

/** The address as the directory/user wrote its local part, its domain in ASCII form; null when it is not an address. */
function accountAddress(typed: string): string | null {
  const norm = normalizeTypedAddress(typed);
  if (!norm) return null;
  return `${typed.trim().slice(0, typed.trim().lastIndexOf("@"))}@${norm.domain}`;
}

/** 1. The address's domain is in the MSSanté trust space. */
async function checkTrustSpace(deps: SetupDeps, ui: SetupUi, address: string): Promise<Failed | { ok: true }> {
  ui.progress("trust", "running");
  try {
    const t = await deps.call("trust.check", { address });
    if (t.verdict === "untrusted") return failed(ui, "trust", "not-in-trust-space", t.domain);
    if (t.verdict === "unknown") return failed(ui, "trust", "trust-unknown");
  } catch (e) {
    return failed(ui, "trust", callFailure(e) === "bridge-down" ? "bridge-down" : "trust-unknown", detailOf(e));
  }
  ui.progress("trust", "done");
  return { ok: true };
}

/**
 * 2. The card login's servers and auth methods, as the bridge chooses them with its operator
 * policies (its configuration is the one source; the extension has no chooser of its own).
 * Targets outside the address's domain and the trust space are used only if the user agrees.
 */
async function discoverCardServers(deps: SetupDeps, ui: SetupUi, address: string): Promise<Failed | ({ ok: true } & CardServers)> {
  ui.progress("discovery", "running");
  let login: Result<"discovery.discover">["cardLogin"];
  let psc: Result<"discovery.discover">["pscLogin"];
  try {
    ({ cardLogin: login, pscLogin: psc } = await deps.call("discovery.discover", { address }));
  } catch (e) {
    return failed(ui, "discovery", callFailure(e) === "bridge-down" ? "bridge-down" : "discovery-failed", detailOf(e));
  }
  if (psc) return pscServers(ui, psc);
  // A bridge from before cardLogin: choosing here would be a second policy that can disagree with
  // the bridge's configuration, so the setup stops and asks for the bridge to be updated.
  if (!login) return failed(ui, "discovery", "bridge-outdated", "discovery.discover answered without cardLogin");
  const { imap, submission: smtp } = login;
  if (!imap || !smtp) return failed(ui, "discovery", "no-certificate-front", `front: ${login.front}`);
  const unconfirmed = [imap, smtp].filter((t) => !t.confirmed);
  if (unconfirmed.length && !(await ui.confirmTargets(unconfirmed))) return failed(ui, "discovery", "targets-refused");
  ui.progress("discovery", "done", { imap: `${imap.host}:${imap.port}`, smtp: `${smtp.host}:${smtp.port}` });
  // A bridge from before loginName configured the address (the name is not guessed: that is what it meant).
  const loginName = login.loginName ?? "address";
  return { ok: true, imap, smtp, imapAuthMethod: login.imapAuthMethod, smtpAuthMethod: login.smtpAuthMethod, loginName, provider: null };
}

/**
 * The operator's policy says Pro Santé Connect: its front's servers, OAuth2 for IMAP and SMTP, the
 * card's idNat as user name (XOAUTH2's `user=`, which the server compares with the token's
 * preferred_username), and the provider to register. The page says why (info method "psc").
 */
async function pscServers(ui: SetupUi, psc: PscLogin): Promise<Failed | ({ ok: true } & CardServers)> {
  const { imap, submission: smtp, provider } = psc;
  if (!imap || !smtp) return failed(ui, "discovery", "no-psc-front");
  if (!provider) return failed(ui, "discovery", "psc-not-configured", "the bridge's configuration has no psc.clientId");
  const unconfirmed = [imap, smtp].filter((t) => !t.confirmed);
  if (unconfirmed.length && !(await ui.confirmTargets(unconfirmed))) return failed(ui, "discovery", "targets-refused");
  ui.progress("discovery", "done", { imap: `${imap.host}:${imap.port}`, smtp: `${smtp.host}:${smtp.port}`, method: "psc" });
  return {
    ok: true,
    imap,
    smtp,
    imapAuthMethod: OAUTH2_AUTH_METHOD,
    smtpAuthMethod: OAUTH2_AUTH_METHOD,
    loginName: "idNat",
    provider,
  };
}

/**
 * 3. The PIN state, before anything in Thunderbird changes: with a locked or to-be-changed PIN
 * nothing is done; after wrong tries the user decides, and stopping leaves Thunderbird as it was
 * (no account whose checks would make NSS ask for the PIN on the card's last try).
 */
async function checkPinBeforeChanges(deps: SetupDeps, ui: SetupUi): Promise<Failed | ({ ok: true } & PinStatus)> {
  ui.progress("pin", "running");
  let pin: PinStatus;
  try {
    pin = await deps.call("card.getPinStatus", {});
  } catch (e) {
    return failed(ui, "pin", callFailure(e), detailOf(e));
  }
  if (pin.state === "locked") return failed(ui, "pin", "pin-locked");
  if (pin.state === "to-be-changed" || pin.state === "not-initialized") return failed(ui, "pin", "pin-to-be-changed");
  if (pin.state === "count-low" || pin.state === "final-try") {
    ui.progress("pin", "warning", { pin: pin.state });
    if (!(await ui.confirmPin(pin.state))) return failed(ui, "pin", "pin-declined");
  }
  ui.progress("pin", "done", { pin: pin.state });
  return { ok: true, ...pin };
}

/**
 * 4. The card's PKCS#11 module into Thunderbird. Whether Thunderbird can load the module is what
 * counts: a manifest the bridge could not write may already be there (written by `mss-bridge
 * install`, an installer or an administrator).
 */
async function installCardModule(deps: SetupDeps, ui: SetupUi, warnings: string[]): Promise<Failed | { ok: true }> {
  ui.progress("module", "running");
  let manifestError: string | null = null;
  try {
    const info = await deps.call("card.getModuleInfo", {});
    if (!info.moduleAvailable) return failed(ui, "module", "module-missing", info.moduleDescription);
    if (!info.manifestInstalled) {
      try {
        await deps.call("card.installModuleManifest", {});
      } catch (e) {
        if (transport(callFailure(e))) return failed(ui, "module", callFailure(e), detailOf(e));
        manifestError = detailOf(e);
      }
    }
  } catch (e) {
    return failed(ui, "module", transport(callFailure(e)) ? callFailure(e) : "module-manifest-failed", detailOf(e));
  }
  try {
    const same = await modulesOnCardLibrary(deps);
    if (same.others.length && !same.ownLoaded) {
      // Already loaded under another name (an administrator's policies or modutil, the user): used
      // as it is. Loading it a second time would make NSS see the card twice.
      if (!same.others.some((m) => m.tokenPresent)) warnings.push("module-no-token");
      const existingModule = same.others[0]!.name;
      ui.progress("module", warnings.includes("module-no-token") ? "warning" : "done", { existingModule });
      return { ok: true };
    }
    if (!(await deps.pkcs11.isModuleInstalled(PKCS11_MANIFEST_NAME))) await deps.pkcs11.installModule(PKCS11_MANIFEST_NAME, 0);
    const slots = await deps.pkcs11.getModuleSlots(PKCS11_MANIFEST_NAME);
    if (!slots.some((s) => s.token)) warnings.push("module-no-token");
    if (same.others.length) {
      // Loaded twice already (this extension's module and another on the same library): said, not undone.
      warnings.push("module-loaded-twice");
      ui.progress("module", "warning", { twiceAs: same.others.map((m) => m.name).join(", ") });
      return { ok: true };
    }
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return manifestError
      ? failed(ui, "module", "module-manifest-failed", `${manifestError}; ${why}`)
      : failed(ui, "module", "module-load-failed", why);
  }
  ui.progress("module", warnings.includes("module-no-token") ? "warning" : "done");
  return { ok: true };
}

/**
 * The modules Thunderbird has on the card module's library (the Experiment compares the files:
 * the pkcs11 API knows a module only by its manifest's exact path): this extension's own (named
 * after the manifest's description) and any other. Nothing known (no manifest yet, an Experiment
 * that cannot tell): none, and the step goes on as before.
 */
async function modulesOnCardLibrary(deps: SetupDeps): Promise<{ ownLoaded: boolean; others: Pkcs11ModuleSummary[] }> {
  const r = await deps.accounts.pkcs11ModulesOfManifest(PKCS11_MANIFEST_NAME).catch(() => null);
  if (!r?.ok) return { ownLoaded: false, others: [] };
  return {
    ownLoaded: r.modules.some((m) => m.name === r.description),
    others: r.modules.filter((m) => m.name !== r.description),
  };
}

/**
 * 5. IGC-Santé CAs for the servers' certificates. Their names, with IGC-Santé's card-issuer CAs
 * (never trusted for TLS), tell a card issued elsewhere (step 8).
 */
async function trustServerCAs(deps: SetupDeps, ui: SetupUi): Promise<Failed | { ok: true; knownCaNames: string[] }> {
  ui.progress("ca", "running");
  try {
    const cas = await deps.loadCAs();
    const knownCaNames = cas.flatMap((c) => (c.subjectCN ? [c.subjectCN] : []));
    for (const ca of cas) {
      const r = await deps.accounts.trustServerCA(ca.pem);
      if (!r.ok) return failed(ui, "ca", r.code === "ca-not-allowed" ? "ca-not-allowed" : "ca-trust-failed", `${ca.name}: ${r.code}`);
    }
    ui.progress("ca", cas.length ? "done" : "skipped", { count: String(cas.length) });
    return { ok: true, knownCaNames };
  } catch (e) {
    return failed(ui, "ca", "ca-trust-failed", e instanceof Error ? e.message : String(e));
  }
}

/** An Experiment call that threw (it should not): an account failure like the others. */
const thrown = (e: unknown) => ({ ok: false as const, code: "account-failed", message: e instanceof Error ? e.message : String(e) });

/**
 * 6. Account: created (its IMAP user name from the operator policy); one already there for the
 * address is reported, left as it is when it matches (its user name included: one that works is
 * kept), and repaired only when the user agrees to the changes listed. Its automatic checks are
 * held until the logon works (released in step 8), and the extension records it.
 */
async function createOrRepairAccount(
  deps: SetupDeps,
  ui: SetupUi,
  a: { address: string; realName: string; servers: CardServers; idNat: string },
  warnings: string[],
): Promise<Failed | { ok: true; accountId: string; action: Provisioned["action"]; imapUsername: string }> {
  ui.progress("account", "running");
  const { imap, smtp } = a.servers;
  const request: CreateAccountRequest = {
    email: a.address,
    realName: a.realName,
    imap: {
      host: imap.host,
      port: imap.port,
      socketType: socketTypeFor(imap.port),
      authMethod: a.servers.imapAuthMethod,
      username: loginNameFor(a.servers.loginName, a.address, a.idNat),
    },
    smtp: {
      host: smtp.host,
      port: smtp.port,
      socketType: socketTypeFor(smtp.port),
      authMethod: a.servers.smtpAuthMethod,
      // XOAUTH2 carries a user name on SMTP too: the same one as IMAP.
      ...(a.servers.provider ? { username: loginNameFor(a.servers.loginName, a.address, a.idNat) } : {}),
    },
  };
  const accountFailure = (r: { code: string; message: string }) =>
    failed(
      ui,
      "account",
      r.code === "existing-not-imap" || r.code === "plaintext-refused" ? r.code : "account-failed",
      `${r.code}: ${r.message}`,
    );
  const plan = await deps.accounts.planAccount(request).catch(thrown);
  if (!plan.ok) return accountFailure(plan);
  if (plan.existing?.changes.length) {
    ui.progress("account", "warning", { action: "existing" });
    if (!(await ui.confirmRepair(plan.existing))) return failed(ui, "account", "repair-declined");
    request.confirmedRepair = { accountId: plan.existing.accountId, fields: plan.existing.changes.map((c) => c.field) };
  }
  const created = await deps.accounts.createOrRepairAccount(request).catch(thrown);
  if (!created.ok) return accountFailure(created);
  ui.progress("account", "done", { action: created.action });
  // No automatic check with the card until the logon has worked (released in step 8).
  const hold = await deps.accounts.holdChecks(created.accountId, true).catch(thrown);
  if (!hold.ok) warnings.push("checks-hold-failed");
  try {
    await deps.recordAccount({
      accountId: created.accountId,
      email: a.address,
      imapHost: imap.host,
      smtpHost: smtp.host,
      provisionedAt: new Date().toISOString(),
    });
  } catch (e) {
    return failed(ui, "account", "record-failed", detailOf(e));
  }
  return { ok: true, accountId: created.accountId, action: created.action, imapUsername: created.imapUsername };
}

/**
 * 7. The card's certificate for these hosts only. After the PIN gate: finding the certificate
 * lists the token's objects, and NSS may ask for the PIN to do so.
 */
async function rememberCardCertificate(
  deps: SetupDeps,
  ui: SetupUi,
  hosts: string[],
  certificateSha256: string,
  signIn: boolean,
): Promise<Failed | { ok: true }> {
  ui.progress("certificate", "running");
  const rem = await deps.accounts.rememberClientCertificate({
    hosts: [...new Set(hosts)],
    certificateSha256,
    ...(signIn ? { signIn: true } : {}),
  });
  if (!rem.ok)
    return failed(
      ui,
      "certificate",
      rem.code === "client-cert-not-found" ? "client-cert-not-found" : "account-failed",
      `${rem.code}: ${rem.message}`,
    );
  ui.progress("certificate", "done");
  return { ok: true };
}

type LogonCheck = { ok: true } | { ok: false; code: VerifyFailure; message: string };

async function checkLogon(deps: SetupDeps, accountId: string): Promise<LogonCheck> {
  const v = await deps.accounts
    .verifyLogon(accountId)
    .catch((e: unknown) => ({ ok: false as const, code: "unknown" as VerifyFailure, message: e instanceof Error ? e.message : String(e) }));
  return v.ok ? { ok: true } : { ok: false, code: v.code as VerifyFailure, message: v.message };
}

/**
 * 8. Logon: NSS asks for the PIN, the server checks the certificate. When the server refuses the
 * login itself (not the card), the other user name is tried once (the card's idNat instead of the
 * address, or the reverse) and kept if it works; if it does not, the first one is put back. Once
 * the logon works, the account's checks are released; until then they stay held (no retry with
 * the card until a setup's logon works).
 */
async function verifyLogon(
  deps: SetupDeps,
  ui: SetupUi,
  a: {
    accountId: string;
    pinBefore: PinStatus["state"];
    identity: CardIdentityMessage;
    knownCaNames: string[];
    address: string;
    imapUsername: string;
    otherNameAllowed: boolean;
  },
): Promise<Failed | { ok: true; imapUsername: string }> {
  ui.progress("logon", "running");
  let imapUsername = a.imapUsername;
  const first = await checkLogon(deps, a.accountId);
  if (!first.ok) {
    const cause = await logonFailureCause(deps, first.code, a);
    const retried = cause === "login-refused" && a.otherNameAllowed ? await retryWithOtherName(deps, ui, a) : null;
    if (!retried?.ok) {
      const why = retried ? `; ${retried.detail}` : "";
      return failed(ui, "logon", `logon-${retried?.cause ?? cause}` as FailureCode, `${first.code}: ${first.message}${why}`);
    }
    imapUsername = retried.imapUsername;
  }
  const release = await deps.accounts.holdChecks(a.accountId, false).catch(thrown);
  if (!release.ok) return failed(ui, "logon", "checks-resume-failed", `${release.code}: ${release.message}`);
  ui.progress("logon", "done", { login: imapUsername });
  return { ok: true, imapUsername };
}

/**
 * The login refused with the account's user name: the other name, once. Kept when the logon then
 * works; otherwise the first name is put back (the account stays as the policy made it) and the
 * second failure's cause is reported when it is not a plain refusal too.
 */
async function retryWithOtherName(
  deps: SetupDeps,
  ui: SetupUi,
  a: {
    accountId: string;
    pinBefore: PinStatus["state"];
    identity: CardIdentityMessage;
    knownCaNames: string[];
    address: string;
    imapUsername: string;
  },
): Promise<{ ok: true; imapUsername: string } | { ok: false; cause: VerifyFailure; detail: string }> {
  const other = fallbackLoginName(a.imapUsername, a.address, a.identity.idNat);
  if (other === a.imapUsername) return { ok: false, cause: "login-refused", detail: "no other user name to try" };
  ui.progress("logon", "running", { login: other });
  const set = await deps.accounts.setImapUsername(a.accountId, other).catch(thrown);
  if (!set.ok) return { ok: false, cause: "login-refused", detail: `user name ${other} not set: ${set.code}: ${set.message}` };
  const second = await checkLogon(deps, a.accountId);
  if (second.ok) return { ok: true, imapUsername: other };
  await deps.accounts.setImapUsername(a.accountId, a.imapUsername).catch(thrown);
  const cause = await logonFailureCause(deps, second.code, a);
  return {
    ok: false,
    cause,
    detail: `with ${loginNameKind(other, a.address, a.identity.idNat)} as user name: ${second.code}: ${second.message}`,
  };
}

/** Why the logon failed, told more precisely than NSS's error where the card or its issuer can. */
async function logonFailureCause(
  deps: SetupDeps,
  code: VerifyFailure,
  a: { pinBefore: PinStatus["state"]; identity: CardIdentityMessage; knownCaNames: string[] },
): Promise<VerifyFailure> {
  // The card's flags tell more than NSS's error: a PIN typed wrong shows as count-low/final-try/locked.
  const after = await deps.call("card.getPinStatus", {}).catch(() => null);
  if (after?.state === "locked") return "pin-locked";
  if (after && after.state !== a.pinBefore && (after.state === "count-low" || after.state === "final-try")) return "pin-wrong";
  // A refusal of a card not issued by IGC-Santé has one precise cause, whatever the server says
  // (it may not even ask for that certificate, so NSS sends none).
  if (REFUSALS.has(code) && !issuedByIgcSante(a.identity.issuer, a.knownCaNames)) return "cert-not-igc-sante";
  return code;
}

/** After this failure the account exists with its checks held (until a setup's logon works). */
export function checksHeldAfter(f: SetupFailure): boolean {
  return f.step === "certificate" || (f.step === "logon" && f.code !== "checks-resume-failed") || f.code === "record-failed";
}

/** Runs `run` with `ui`, turning anything thrown into a failure of the step under way. */
async function settled<T extends { ok: boolean }>(
  ui: SetupUi,
  run: (ui: SetupUi) => Promise<T>,
): Promise<T | { ok: false; failure: SetupFailure }> {
  let step: StepId = "bridge";
  const tracked: SetupUi = {
    ...ui,
    progress(s, state, info) {
      step = s;
      ui.progress(s, state, info);
    },
  };
  try {
    return await run(tracked);
  } catch (e) {
    ui.progress(step, "failed", { code: "unexpected-error" });
    return { ok: false, failure: { step, code: "unexpected-error", detail: detailOf(e) } };
  }
}

/** prepare() that never rejects. */
export function prepareSafely(deps: SetupDeps, ui: SetupUi): Promise<PrepareOutcome> {
  return settled(ui, (u) => prepare(deps, u));
}

/** provision() that never rejects: whatever throws (a page question, storage) is shown as a failure. */
export function provisionSafely(deps: SetupDeps, ui: SetupUi, input: ProvisionInput): Promise<ProvisionOutcome> {
  return settled(ui, (u) => provision(deps, u, input));
}

/**
 * SetupDeps.recordAccount through the background ({kind: "setup.done"}): a refusal or no answer is
 * an error, so the flow reports that the account was not recorded.
 */
export function recordThroughBackground(
  send: (msg: Record<string, unknown>) => Promise<{ ok: boolean; error?: { code: string; message: string } } | undefined>,
): SetupDeps["recordAccount"] {
  return async (account) => {
    const r = await send({ kind: "setup.done", account });
    if (!r?.ok)
      throw {
        code: r?.error?.code ?? "NOT_RECORDED",
        message: r?.error?.message ?? "the extension's background did not record the account",
      };
  };
}
