/* This Source Code Form is subject to the terms of the Mozilla Public License, v. 2.0. */
/**
 * mssAccounts: the parent-process part of the MSSanté extension (an Experiment: the MailExtension
 * `accounts` API is read-only). Built by scripts/build.mjs into experiments/mssAccounts/
 * implementation.js: one IIFE whose only global is `mssAccounts`, the API class Thunderbird looks
 * up by that name (manifest.json experiment_apis). Experiment scripts may share one global with
 * other Experiments, so nothing else is global.
 *
 * Every function answers {ok: true, ...} or {ok: false, code, message, detail?} and never rejects
 * (results.ts). Checked against Thunderbird 153: MailServices.accounts.createIncomingServer /
 * findServer / findAccountForServer, MailServices.outgoingServer.createServer("smtp") /
 * findServer, the server attribute is `hostname`, incomingServer.verifyLogon(urlListener, msgWindow).
 *
 * The decisions live in pure modules (accounts.ts, settings.ts, validate.ts, logon-status.ts,
 * certificates.ts, server-cas.ts); privileged.ts is the only one that touches Thunderbird's globals.
 *
 * Server CAs: trustServerCA trusts only the CAs the package carries (server-cas.ts), records the
 * ones it made trusted, and the API (instantiated at every start: manifest "events": ["startup"])
 * takes that trust back when the add-on is disabled or uninstalled.
 */
import { createOrRepair, findAccountByEmail, getAccount, plan, setImapUsername, summary, type AccountsEnv } from "./accounts.ts";
import type { ExperimentFailure, MssAccountsApi, OAuthProviderDetails } from "./api.ts";
import { rememberForHosts } from "./certificates.ts";
import { classifyLogonStatus } from "./logon-status.ts";
import { checkProviderDetails, positionalArguments, PSC_PROVIDER_PREF, registerArguments, savedProvider } from "./oauth-provider.ts";
import { modulesOfLibrary } from "./pkcs11-modules.ts";
import {
  afterSignInWindow,
  isPscRefreshToken,
  OAUTH_WINDOW_URI,
  onSignInWindow,
  PSC_SESSION_ENDED_PREF,
  PSC_SIGN_IN_WINDOW_PREF,
} from "./psc-session.ts";
import {
  asSmtp,
  certState,
  clientCertRemembering,
  deleteCert,
  disableHttpsFallback,
  type ExtensionLike,
  extensionCommon,
  findCertBySha256,
  isSuccessCode,
  loadedPkcs11Modules,
  mailServices,
  mainMsgWindow,
  nssErrorClass,
  oauth2Providers,
  onDisableOrUninstall,
  pathRules,
  pkcs11Manifest,
  readStringPref,
  resolvedPath,
  savePrefs,
  setCertTrust,
  showNotification,
  setServerCATrust,
  sha256Of,
  timers,
  urlListener,
  watchLoginChanges,
  watchWindows,
  writeStringPref,
} from "./privileged.ts";
import { fail, guarded } from "./results.ts";
import {
  ADDED_CAS_PREF,
  type AllowList,
  allowListOf,
  checkServerCA,
  PACKAGED_CAS_PATH,
  packagedCaBodies,
  parseAddedCAs,
  removalPlan,
  trustPlan,
  withAddedCA,
} from "./server-cas.ts";
import { HELD, PAUSED, setCheckFlag, type CheckReason } from "./settings.ts";
import { checkRememberRequest, normFingerprint, pemToBase64, validEmail } from "./validate.ts";

function env(): AccountsEnv {
  return { MS: mailServices(), asSmtp, savePrefs };
}

function verifyLogon(accountId: unknown, timeoutMs: unknown) {
  setupSignIns++;
  return verifyLogonOnce(accountId, timeoutMs).finally(() => {
    setupSignIns--;
  });
}

function verifyLogonOnce(accountId: unknown, timeoutMs: unknown) {
  type Outcome = { ok: true; verified: true } | ExperimentFailure;
  const account = getAccount(mailServices(), accountId);
  const server = account ? account.incomingServer : null;
  if (!server) return Promise.resolve(fail("unknown-account", "no such account"));
  const { setTimeout, clearTimeout } = timers();
  return new Promise<Outcome>((resolve) => {
    let done = false;
    const finish = (r: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(
      () => finish(fail("timeout", "no answer from the server (or the PIN prompt) in time")),
      (typeof timeoutMs === "number" && timeoutMs) || 120000,
    );
    const listener = urlListener((status) => {
      try {
        if (isSuccessCode(status)) return finish({ ok: true, verified: true });
        const c = classifyLogonStatus(status, nssErrorClass(status));
        finish(fail(c.code, c.message));
      } catch (e) {
        finish(fail("unknown", "logon check failed", e));
      }
    });
    try {
      server.verifyLogon(listener, mainMsgWindow());
    } catch (e) {
      finish(fail("unknown", "could not start the logon check", e));
    }
  });
}

function rememberClientCertificate(request: unknown) {
  const checked = checkRememberRequest(request);
  if (!checked.ok) return checked;
  const cert = findCertBySha256(checked.certificateSha256, normFingerprint);
  if (!cert) {
    return fail(
      "client-cert-not-found",
      "the card's certificate is not visible to Thunderbird (is the card's PKCS#11 module loaded and the card inserted?)",
    );
  }
  const remembered = rememberForHosts(checked.hosts, clientCertRemembering(cert));
  // PSC's sign-in page opens in Thunderbird's OAuth window, a private window: remembered there too.
  if (!remembered.ok || !checked.signIn) return remembered;
  return rememberForHosts(checked.hosts, clientCertRemembering(cert, true));
}

/** The CAs this add-on may trust: the ones its package carries, read from its own files once. */
function allowedServerCAs(extension: ExtensionLike | null): () => Promise<AllowList | null> {
  let list: Promise<AllowList | null> | null = null;
  return () => {
    if (!list) {
      list = (extension ? extension.readJSON(PACKAGED_CAS_PATH) : Promise.reject(new Error("no extension")))
        .then((data) => {
          const bodies = packagedCaBodies(data);
          return bodies ? allowListOf(bodies, sha256Of) : null;
        })
        .catch(() => null)
        .then((read) => {
          if (!read) list = null; // read again next time
          return read;
        });
    }
    return list;
  };
}

async function trustServerCA(allowed: () => Promise<AllowList | null>, pem: unknown) {
  if (!pemToBase64(pem)) return fail("invalid-request", "not a PEM certificate");
  const list = await allowed();
  if (!list) return fail("ca-list-unavailable", `could not read ${PACKAGED_CAS_PATH} from the add-on's package; nothing was trusted`);
  const checked = checkServerCA(pem, list, sha256Of);
  if (!checked.ok) return checked;
  const record = parseAddedCAs(readStringPref(ADDED_CAS_PREF));
  const plan = trustPlan(
    certState(checked.base64).trust,
    record.some((e) => e.sha256 === checked.fingerprint),
  );
  if (plan.action === "keep") return { ok: true as const, added: false, fingerprint: checked.fingerprint };
  // Recorded before the trust is set: a failure in between leaves a record of a CA not trusted, never the reverse.
  writeStringPref(
    ADDED_CAS_PREF,
    JSON.stringify(withAddedCA(record, { sha256: checked.fingerprint, der: checked.base64, before: plan.before })),
  );
  setServerCATrust(checked.base64, plan.trust);
  return { ok: true as const, added: true, fingerprint: checked.fingerprint };
}

/**
 * Takes back the trust of every CA this add-on made trusted: the trust they had before put back,
 * or the certificate deleted when it had none. Entries that fail stay recorded (for the next time).
 */
function removeAddedServerCAs(): void {
  const kept = parseAddedCAs(readStringPref(ADDED_CAS_PREF)).filter((entry) => {
    try {
      const now = certState(entry.der);
      if (normFingerprint(now.sha256) !== entry.sha256) return false;
      const plan = removalPlan(entry, now.trust);
      if (plan === "restore") setCertTrust(now.cert, entry.before);
      if (plan === "delete") {
        setCertTrust(now.cert, ",,");
        deleteCert(now.cert);
      }
      return false;
    } catch {
      return true;
    }
  });
  writeStringPref(ADDED_CAS_PREF, kept.length ? JSON.stringify(kept) : "");
}

function setChecks(accountId: unknown, reason: CheckReason, on: unknown) {
  const account = getAccount(mailServices(), accountId);
  if (!account?.incomingServer) return fail("unknown-account", "no such account");
  return { ok: true as const, ...setCheckFlag(account.incomingServer, reason, on === true) };
}

/**
 * The modules loaded in Thunderbird on the library of the pkcs11 manifest `name` (as the pkcs11 API
 * reads it), whatever their names: one the user or an administrator added, and this extension's
 * own (named after the manifest's description).
 */
async function pkcs11ModulesOfManifest(context: unknown, name: unknown) {
  if (typeof name !== "string" || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) return fail("invalid-request", "invalid manifest name");
  const manifest = await pkcs11Manifest(name, context);
  if (!manifest) return fail("no-manifest", `no pkcs11 manifest ${name} for this extension`);
  const library = { path: manifest.path, resolved: resolvedPath(manifest.path) };
  const loaded = (await loadedPkcs11Modules()).map((m) => ({ ...m, resolved: resolvedPath(m.libName) }));
  const modules = modulesOfLibrary(library, loaded, pathRules()).map((m) => ({
    name: m.name,
    libName: m.libName,
    tokenPresent: m.tokenPresent,
  }));
  return { ok: true as const, libraryPath: manifest.path, description: manifest.description, modules };
}

/** The functions as the extension calls them; their parameters are checked, not trusted. */
const api = {
  findAccount(email: unknown) {
    return guarded("find-failed", () => {
      if (!validEmail(email)) return fail("invalid-request", "invalid e-mail address");
      const e = env();
      const f = findAccountByEmail(e.MS, email);
      return { ok: true as const, found: !!f, account: f ? summary(e, f.account, f.identity) : null };
    });
  },
  planAccount(request: unknown) {
    return guarded("account-failed", () => plan(env(), request));
  },
  createOrRepairAccount(request: unknown) {
    return guarded("account-failed", () => createOrRepair(env(), request));
  },
  setImapUsername(accountId: unknown, username: unknown) {
    return guarded("account-failed", () => setImapUsername(env(), accountId, username));
  },
  verifyLogon(accountId: unknown, timeoutMs: unknown) {
    return guarded("unknown", () => verifyLogon(accountId, timeoutMs));
  },
  rememberClientCertificate(request: unknown) {
    return guarded("remember-failed", () => rememberClientCertificate(request));
  },
  pauseChecks(accountId: unknown, paused: unknown) {
    return guarded("pause-failed", () => setChecks(accountId, PAUSED, paused));
  },
  holdChecks(accountId: unknown, held: unknown) {
    return guarded("hold-failed", () => setChecks(accountId, HELD, held));
  },
  registerOAuthProvider(details: unknown) {
    return guarded("provider-failed", () => registerOAuthProvider(details, true));
  },
} satisfies Omit<MssAccountsApi, "pkcs11ModulesOfManifest" | "trustServerCA">;

/** The provider this add-on registered in this session (taken back at shutdown), or null. */
let registered: OAuthProviderDetails | null = null;
/** Setup logons under way: a PSC sign-in window they open is the setup's, not a session's end. */
let setupSignIns = 0;
/** Stops the OAuth window watcher (psc-session.ts). */
let unwatch: (() => void) | null = null;
/** What the GP is told when PSC ended the session: the add-on's locale at startup, French until then. */
const sessionTexts = {
  /** The banner in the OAuth window. */
  pscSessionEnded:
    "Votre session Pro Santé Connect a pris fin. Reconnectez-vous ci-dessous avec votre carte CPS (code PIN) ou l'application e-CPS. Si vous fermez cette fenêtre, la messagerie MSSanté reste en pause : relancez « Configurer MSSanté avec la carte CPS » pour vous reconnecter.",
  /** The notification's title when the window closed without a new session. */
  pscSessionEndedTitle: "MSSanté : session Pro Santé Connect terminée",
  /** Its text. */
  pscSessionEndedPaused:
    "Votre session Pro Santé Connect a pris fin et la fenêtre de connexion a été fermée : la messagerie MSSanté est en pause. Pour vous reconnecter, relancez « Configurer MSSanté avec la carte CPS » (carte CPS et code PIN, ou application e-CPS).",
};

/**
 * PSC ended the session (ECO.1.2.6): Thunderbird opened its OAuth window by itself. The window
 * says so and how to sign in again (a banner), and the date is recorded. When it closes: if
 * Thunderbird stored a new PSC refresh token meanwhile, the session reopened (ECO.1.2.7); if not,
 * the PSC accounts' checks are held so that no window opens again at every check (released by the
 * next setup's logon) and a notification says how to sign in again.
 */
function watchSessions(): void {
  if (unwatch) return;
  unwatch = watchWindows(OAUTH_WINDOW_URI, (w) => {
    const d = registered;
    const what = onSignInWindow({ url: w.url, authorizationEndpoint: d?.authorizationEndpoint ?? null, setupSignIn: setupSignIns > 0 });
    // What the add-on made of the last OAuth window (support): a date and a reason, no URL.
    const why = !d ? "no-provider" : setupSignIns > 0 ? "setup" : typeof w.url === "string" ? "url" : "no-url";
    writeStringPref(PSC_SIGN_IN_WINDOW_PREF, `${new Date().toISOString()} ${what} ${why}`);
    if (what !== "session-ended" || !d) return;
    let newRefreshToken = false;
    const stopLogins = watchLoginChanges((origin) => {
      if (isPscRefreshToken(origin, d.issuer)) newRefreshToken = true;
    });
    w.showNotice(sessionTexts.pscSessionEnded);
    // When PSC last ended the session (support, and the tests): a date, nothing about the session.
    writeStringPref(PSC_SESSION_ENDED_PREF, new Date().toISOString());
    w.onClose(() => {
      const { setTimeout } = timers();
      // The token request after the redirect takes a moment: then the refresh token is stored.
      setTimeout(() => {
        stopLogins();
        if (afterSignInWindow({ newRefreshToken }) === "session-reopened") return;
        holdPscAccounts(d.hostnames);
        try {
          showNotification("mssante-psc-session-ended", sessionTexts.pscSessionEndedTitle, sessionTexts.pscSessionEndedPaused);
        } catch {
          /* no alerts service: the held account says it in the setup page */
        }
      }, 5000);
    });
  });
}

/** Holds the checks of the OAuth2 accounts on these hosts (settings.ts HELD). */
function holdPscAccounts(hostnames: string[]): void {
  for (const account of mailServices().accounts.accounts ?? []) {
    const server = account.incomingServer;
    if (server && server.authMethod === 10 && hostnames.includes(server.hostname.toLowerCase())) setCheckFlag(server, HELD, true);
  }
}

/**
 * Registers PSC for its hosts (oauth-provider.ts): this add-on's earlier registration is taken back
 * first (Thunderbird refuses a second one for an issuer or a host). Saved for the next start.
 */
function registerOAuthProvider(details: unknown, save: boolean) {
  const checked = checkProviderDetails(details);
  if (!checked.ok) return checked;
  const d = checked.details;
  const providers = oauth2Providers();
  unregisterOAuthProvider();
  if (providers.getIssuerDetails(d.issuer)) return fail("provider-exists", "another add-on or Thunderbird itself has this issuer");
  disableHttpsFallback();
  if (providers.registerProvider.length >= 9) providers.registerProvider(...positionalArguments(d));
  else providers.registerProvider(...registerArguments(d));
  registered = d;
  watchSessions();
  if (save) {
    writeStringPref(PSC_PROVIDER_PREF, JSON.stringify(d));
    savePrefs();
  }
  return { ok: true as const, registered: d.hostnames };
}

function unregisterOAuthProvider(): void {
  if (!registered) return;
  const { issuer } = registered;
  registered = null;
  oauth2Providers().unregisterProvider(issuer);
}

/** An object with an id and readJSON: Thunderbird's Extension (tests may pass less). */
function asExtension(e: unknown): ExtensionLike | null {
  const x = e as Partial<ExtensionLike> | null;
  return x && typeof x.id === "string" && typeof x.readJSON === "function" ? (x as ExtensionLike) : null;
}

export default class MssAccountsAPI extends extensionCommon().ExtensionAPI {
  private readonly allowed = allowedServerCAs(asExtension(this.extension));
  private stopWatching: (() => void) | null = null;

  /** At every start of the add-on (manifest "events": ["startup"]): be there to take the CAs' trust back. */
  onStartup(): void {
    // First, and apart from anything that may fail: be there to take the CAs' trust back.
    this.watchDisable();
    try {
      const extension = asExtension(this.extension);
      for (const key of Object.keys(sessionTexts) as Array<keyof typeof sessionTexts>) {
        const localized = extension?.localizeMessage?.(key);
        if (localized) sessionTexts[key] = localized;
      }
    } catch {
      /* the English text stays */
    }
    // An existing PSC account's provider, registered again before its first mail check needs it.
    try {
      const saved = savedProvider(readStringPref(PSC_PROVIDER_PREF));
      if (saved) registerOAuthProvider(saved, false);
    } catch {
      /* the setup page registers it again; the account's sign-in says what is missing meanwhile */
    }
  }

  /** Takes the CAs' trust back when the add-on is disabled or uninstalled (not on update or quit). */
  private watchDisable(): void {
    const extension = asExtension(this.extension);
    if (!extension || this.stopWatching) return;
    try {
      this.stopWatching = onDisableOrUninstall(extension.id, () => {
        try {
          removeAddedServerCAs();
        } catch {
          /* nothing more can be done while the add-on goes */
        }
      });
    } catch {
      this.stopWatching = null;
    }
  }

  onShutdown(_isAppShutdown: boolean): void {
    try {
      unwatch?.();
      unwatch = null;
      unregisterOAuthProvider();
    } catch {
      /* Thunderbird is going away */
    }
    this.stopWatching?.();
    this.stopWatching = null;
  }

  getAPI(context: unknown): { mssAccounts: MssAccountsApi } {
    return {
      mssAccounts: {
        ...api,
        // Reads the allow-list from this add-on's own package.
        trustServerCA: (pem: unknown) => guarded("ca-failed", () => trustServerCA(this.allowed, pem)),
        // Needs the extension's context: the manifest is looked up for this extension, as the pkcs11 API does.
        pkcs11ModulesOfManifest(name: unknown) {
          return guarded("pkcs11-failed", () => pkcs11ModulesOfManifest(context, name));
        },
      },
    };
  }
}
