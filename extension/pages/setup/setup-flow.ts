/**
 * The one-click account setup as a pure flow over injected dependencies (the bridge through the
 * background, Thunderbird's pkcs11 API, the mssAccounts Experiment) and UI questions. No DOM here:
 * setup.ts renders; this decides. Two phases:
 *   prepare()   — bridge, reader, card and PIN state; identity from the card; the doctor's
 *                 mailboxes from the directory by idNat (one → preselected, several → choose,
 *                 none → manual entry).
 *   provision() — trust space, server discovery (certificate front), card module into Thunderbird,
 *                 IGC-Santé CAs, account (create or repair), card certificate remembered for those
 *                 hosts, PIN state gate, logon check.
 * Every failure is a {ok: false, failure: {step, code}} the page explains (title + what to do).
 */
import { issuedByKnownCa } from "../../../shared/domain/igc-sante.ts";
import type { CardState as CardLayerState, Entry as DirectoryEntry, Identity as CardIdentity, PinInfo as PinStatus, Target as ServerTarget } from "../../background/protocol-types.ts";
import type { MethodName, Params, Result } from "../../../shared/protocol/schemas.ts";
import { PKCS11_MANIFEST_NAME } from "../../../shared/constants.ts";
import type { BridgeState } from "../../background/bridge-client.ts";
import type { ProvisionedAccount } from "../../background/card-watch.ts";
import type { MssAccountsApi, Pkcs11Slot, VerifyFailure } from "../../background/messenger-types.ts";
import { normaliseAddress } from "../../background/recipients.ts";

export type StepId = "bridge" | "card" | "identity" | "directory" | "trust" | "discovery" | "module" | "ca" | "account" | "certificate" | "pin" | "logon";
export type StepState = "running" | "done" | "warning" | "failed" | "skipped";

export type FailureCode =
  | "bridge-down"
  | "bridge-unpaired"
  | "not-the-bridge"
  | "bridge-incompatible"
  | "pcsc-unavailable"
  | "no-reader"
  | "no-card"
  | "unknown-card"
  | "module-unavailable"
  | "identity-unreadable"
  | "invalid-address"
  | "not-in-trust-space"
  | "trust-unknown"
  | "discovery-failed"
  | "no-certificate-front"
  | "targets-refused"
  | "module-missing"
  | "module-manifest-failed"
  | "module-load-failed"
  | "ca-trust-failed"
  | "existing-not-imap"
  | "account-failed"
  | "client-cert-not-found"
  | "pin-locked"
  | "pin-to-be-changed"
  | "pin-declined"
  | `logon-${VerifyFailure}`
  | "bridge-error";

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

export interface OperatorSettings {
  /** SMTP auth with the card: 7 External = client certificate in TLS, no AUTH command (TB has no SASL EXTERNAL). */
  smtpAuthMethod: number;
  imapAuthMethod: number;
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
  operatorSettings(domain: string): OperatorSettings;
  recordAccount(a: ProvisionedAccount): Promise<void>;
}

export interface SetupUi {
  progress(step: StepId, state: StepState, info?: Record<string, string>): void;
  /** Discovery found targets outside the address's domain and the trust space: may we use them? */
  confirmTargets(targets: ServerTarget[]): Promise<boolean>;
  /** The PIN has had wrong tries: continue (NSS will ask for it) or stop? */
  confirmPin(state: "count-low" | "final-try"): Promise<boolean>;
}

export interface Prepared {
  identity: CardIdentity;
  pin: PinStatus;
  candidates: DirectoryEntry[];
  /** The address to preselect: the only (personal) mailbox, else null. */
  preselected: string | null;
  /** The directory could not be asked: manual entry only. */
  directoryUnavailable: boolean;
}

export type PrepareOutcome = { ok: true; prepared: Prepared } | { ok: false; failure: SetupFailure };

export interface Provisioned {
  accountId: string;
  action: "created" | "repaired" | "unchanged";
  address: string;
  realName: string;
  imap: ServerTarget;
  smtp: ServerTarget;
  warnings: string[];
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
  if (card.unavailable) return card.unavailable.reason as FailureCode;
  if (!card.readers.length) return "no-reader";
  if (!card.readers.some((r) => r.cardPresent)) return "no-card";
  return null;
}

/** Maps a bridge call error to the flow's failure code. */
export function callFailure(e: unknown): FailureCode {
  const code = (e as CallError | undefined)?.code;
  switch (code) {
    case "NOT_CONNECTED":
    case "CONNECTION_CLOSED":
    case "REQUEST_TIMEOUT":
      return "bridge-down";
    case "CARD_REMOVED":
      return "no-card";
    case "NO_READER":
      return "no-reader";
    case "PCSC_UNAVAILABLE":
      return "pcsc-unavailable";
    case "UNKNOWN_CARD":
      return "unknown-card";
    case "MODULE_UNAVAILABLE":
      return "module-unavailable";
    default:
      return "bridge-error";
  }
}

function detailOf(e: unknown): string {
  const c = e as CallError | undefined;
  return c && typeof c.message === "string" ? `${c.code ?? "error"}: ${c.message}`.slice(0, 300) : String(e).slice(0, 300);
}

function titleCase(s: string): string {
  return s.toLocaleLowerCase("fr").replace(/(^|[\s'’-])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toLocaleUpperCase("fr"));
}

/** The identity's display name from the card: given name and surname, title-cased. */
export function realNameFromCard(id: Pick<CardIdentity, "givenName" | "surname" | "structure" | "idNat">): string {
  const parts = [id.givenName, id.surname].filter((x): x is string => !!x && !!x.trim()).map((x) => titleCase(x.trim()));
  return parts.length ? parts.join(" ") : id.structure ?? id.idNat;
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

/** Best target per service on the front matching the login method (the card → certificate front). */
export function chooseTargets(targets: ServerTarget[], front: ServerTarget["front"] = "certificate"): { imap: ServerTarget | null; smtp: ServerTarget | null } {
  const best = (service: ServerTarget["service"]) =>
    targets
      .filter((t) => t.service === service && t.front === front)
      .sort((a, b) => a.priority - b.priority || b.weight - a.weight || (a.source === b.source ? 0 : a.source === "srv" ? -1 : 1))[0] ?? null;
  return { imap: best("imap"), smtp: best("submission") };
}

/** Implicit TLS on 993/465, STARTTLS otherwise (the MSSanté client interface: STARTTLS on 143/587). */
export function socketTypeFor(port: number): number {
  return port === 993 || port === 465 ? 3 : 2;
}

export const DEFAULT_OPERATOR: OperatorSettings = { smtpAuthMethod: 7, imapAuthMethod: 7 };

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
  let identity: CardIdentity;
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

export async function provision(deps: SetupDeps, ui: SetupUi, input: { identity: CardIdentity; address: string }): Promise<ProvisionOutcome> {
  const fail = (step: StepId, code: FailureCode, detail?: string): ProvisionOutcome => {
    ui.progress(step, "failed", { code });
    return { ok: false, failure: detail ? { step, code, detail } : { step, code } };
  };
  const warnings: string[] = [];
  const norm = normaliseAddress(input.address);
  if (!norm) return fail("trust", "invalid-address");
  // Keep the address as the directory/user wrote its local part; the domain in ASCII form.
  const address = input.address.trim().slice(0, input.address.trim().lastIndexOf("@")) + "@" + norm.domain;

  const bf = bridgeFailure(deps.bridgeState());
  if (bf) return fail("bridge", bf);

  // 1. Trust space.
  ui.progress("trust", "running");
  try {
    const t = await deps.call("trust.check", { address });
    if (t.verdict === "untrusted") return fail("trust", "not-in-trust-space", t.domain);
    if (t.verdict === "unknown") return fail("trust", "trust-unknown");
  } catch (e) {
    return fail("trust", callFailure(e) === "bridge-down" ? "bridge-down" : "trust-unknown", detailOf(e));
  }
  ui.progress("trust", "done");

  // 2. Servers on the certificate front.
  ui.progress("discovery", "running");
  let targets: ServerTarget[];
  try {
    targets = (await deps.call("discovery.discover", { address })).targets;
  } catch (e) {
    return fail("discovery", callFailure(e) === "bridge-down" ? "bridge-down" : "discovery-failed", detailOf(e));
  }
  const { imap, smtp } = chooseTargets(targets, "certificate");
  if (!imap || !smtp) return fail("discovery", "no-certificate-front");
  const unconfirmed = [imap, smtp].filter((t) => !t.confirmed);
  if (unconfirmed.length && !(await ui.confirmTargets(unconfirmed))) return fail("discovery", "targets-refused");
  ui.progress("discovery", "done", { imap: `${imap.host}:${imap.port}`, smtp: `${smtp.host}:${smtp.port}` });

  // 3. The card's PKCS#11 module into Thunderbird.
  ui.progress("module", "running");
  // Whether Thunderbird can load the module is what counts: a manifest the bridge could not write
  // may already be there (written by `mss-bridge install`, an installer or an administrator).
  let manifestError: string | null = null;
  try {
    const info = await deps.call("card.getModuleInfo", {});
    if (!info.moduleAvailable) return fail("module", "module-missing", info.moduleDescription);
    if (!info.manifestInstalled) {
      try {
        await deps.call("card.installModuleManifest", {});
      } catch (e) {
        if (callFailure(e) === "bridge-down") return fail("module", "bridge-down", detailOf(e));
        manifestError = detailOf(e);
      }
    }
  } catch (e) {
    return fail("module", callFailure(e) === "bridge-down" ? "bridge-down" : "module-manifest-failed", detailOf(e));
  }
  try {
    if (!(await deps.pkcs11.isModuleInstalled(PKCS11_MANIFEST_NAME))) await deps.pkcs11.installModule(PKCS11_MANIFEST_NAME, 0);
    const slots = await deps.pkcs11.getModuleSlots(PKCS11_MANIFEST_NAME);
    if (!slots.some((s) => s.token)) warnings.push("module-no-token");
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return manifestError ? fail("module", "module-manifest-failed", `${manifestError}; ${why}`) : fail("module", "module-load-failed", why);
  }
  ui.progress("module", warnings.includes("module-no-token") ? "warning" : "done");

  // 4. IGC-Santé CAs for the servers' certificates.
  ui.progress("ca", "running");
  let knownCaNames: string[] = [];
  try {
    const cas = await deps.loadCAs();
    knownCaNames = cas.flatMap((c) => (c.subjectCN ? [c.subjectCN] : []));
    for (const ca of cas) {
      const r = await deps.accounts.trustServerCA(ca.pem);
      if (!r.ok) return fail("ca", "ca-trust-failed", `${ca.name}: ${r.code}`);
    }
    ui.progress("ca", cas.length ? "done" : "skipped", { count: String(cas.length) });
  } catch (e) {
    return fail("ca", "ca-trust-failed", e instanceof Error ? e.message : String(e));
  }

  // 5. Account: created, or the existing one repaired.
  ui.progress("account", "running");
  const op = deps.operatorSettings(norm.domain);
  const realName = realNameFromCard(input.identity);
  const created = await deps.accounts
    .createOrRepairAccount({
      email: address,
      realName,
      imap: { host: imap.host, port: imap.port, socketType: socketTypeFor(imap.port), authMethod: op.imapAuthMethod },
      smtp: { host: smtp.host, port: smtp.port, socketType: socketTypeFor(smtp.port), authMethod: op.smtpAuthMethod },
    })
    .catch((e: unknown) => ({ ok: false as const, code: "account-failed", message: e instanceof Error ? e.message : String(e) }));
  if (!created.ok) return fail("account", created.code === "existing-not-imap" ? "existing-not-imap" : "account-failed", `${created.code}: ${created.message}`);
  ui.progress("account", "done", { action: created.action });
  await deps.recordAccount({
    accountId: created.accountId,
    email: address,
    imapHost: imap.host,
    smtpHost: smtp.host,
    provisionedAt: new Date().toISOString(),
  });

  // 6. PIN state before anything makes NSS ask for the PIN.
  ui.progress("pin", "running");
  let pin: PinStatus;
  try {
    pin = await deps.call("card.getPinStatus", {});
  } catch (e) {
    return fail("pin", callFailure(e), detailOf(e));
  }
  if (pin.state === "locked") return fail("pin", "pin-locked");
  if (pin.state === "to-be-changed" || pin.state === "not-initialized") return fail("pin", "pin-to-be-changed");
  if (pin.state === "count-low" || pin.state === "final-try") {
    ui.progress("pin", "warning", { pin: pin.state });
    if (!(await ui.confirmPin(pin.state))) return fail("pin", "pin-declined");
  }
  ui.progress("pin", "done", { pin: pin.state });

  // 7. The card's certificate for these hosts only. After the PIN gate: finding the certificate
  // lists the token's objects, and NSS may ask for the PIN to do so.
  ui.progress("certificate", "running");
  const hosts = [...new Set([imap.host, smtp.host])];
  const rem = await deps.accounts.rememberClientCertificate({ hosts, certificateSha256: input.identity.certificateSha256 });
  if (!rem.ok) return fail("certificate", rem.code === "client-cert-not-found" ? "client-cert-not-found" : "account-failed", `${rem.code}: ${rem.message}`);
  ui.progress("certificate", "done");

  // 8. Logon: NSS asks for the PIN, the server checks the certificate.
  ui.progress("logon", "running");
  const v = await deps.accounts
    .verifyLogon(created.accountId)
    .catch((e: unknown) => ({ ok: false as const, code: "unknown" as VerifyFailure, message: e instanceof Error ? e.message : String(e) }));
  if (!v.ok) {
    // The card's flags tell more than NSS's error: a PIN typed wrong shows as count-low/final-try/locked.
    const after = await deps.call("card.getPinStatus", {}).catch(() => null);
    let code = v.code as VerifyFailure;
    if (after?.state === "locked") code = "pin-locked";
    else if (after && after.state !== pin.state && (after.state === "count-low" || after.state === "final-try")) code = "pin-wrong";
    // A refusal of a card not issued by IGC-Santé has one precise cause, whatever the server says
    // (it may not even ask for that certificate, so NSS sends none).
    else if (REFUSALS.has(code) && issuedByKnownCa(input.identity.issuer, knownCaNames) === false) code = "cert-not-igc-sante";
    return fail("logon", `logon-${code}` as FailureCode, `${v.code}: ${v.message}`);
  }
  ui.progress("logon", "done");
  return { ok: true, result: { accountId: created.accountId, action: created.action, address, realName, imap, smtp, warnings } };
}
