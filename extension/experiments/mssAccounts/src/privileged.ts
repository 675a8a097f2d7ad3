/**
 * Everything that touches Thunderbird's privileged globals (ChromeUtils, Components, Services,
 * ExtensionCommon), typed by hand with only what is used. The declarations below are local to this
 * module: the rest of the project does not see these globals, and the bundle refers to them by
 * name, as the Experiment's script scope provides them.
 */
import { extensionCommonOf } from "../../extension-common.ts";
import type { MailServicesLike, OutgoingServer, SmtpServer, UrlListener } from "./thunderbird-objects.ts";

/** The add-on as the parent process knows it (Extension.sys.mjs): its id and a reader of its own files. */
export interface ExtensionLike {
  readonly id: string;
  readJSON(path: string): Promise<unknown>;
  /** The add-on's _locales message in the UI's language (Extension.localizeMessage). */
  localizeMessage?(name: string): string;
}

interface ExtensionCommonLike {
  /** ExtensionAPI: `extension` is set by its constructor and cleared once the add-on has shut down. */
  ExtensionAPI: new (
    extension: unknown,
  ) => { extension: unknown };
}

/** ExtensionParent's API manager: emits "disable" with the add-on id on ADDON_DISABLE and ADDON_UNINSTALL. */
interface ApiManagerLike {
  on(event: "disable", listener: (event: string, id: string) => void): void;
  off(event: "disable", listener: (event: string, id: string) => void): void;
}

/** The Add-on Manager's listener events we use (each gets the add-on wrapper first). */
interface AddonListenerLike {
  onDisabling(addon: { id?: unknown } | null): void;
  onUninstalling(addon: { id?: unknown } | null): void;
}

interface X509Cert {
  readonly sha256Fingerprint: string;
}

interface X509CertDB {
  getCerts(): Iterable<X509Cert> | null;
  constructX509FromBase64(base64: string): X509Cert;
  addCertFromBase64(base64: string, trust: string): X509Cert | null;
  setCertTrustFromString(cert: X509Cert, trust: string): void;
  isCertTrusted(cert: X509Cert, certType: number, trustType: number): boolean;
  deleteCertificate(cert: X509Cert): void;
}

interface ClientAuthRememberService {
  rememberDecisionScriptable(host: string, originAttributes: object, cert: X509Cert, duration: number): void;
}

interface NSSErrorsService {
  getErrorClass(status: number): number;
}

interface ServiceClass<T> {
  getService(iid: unknown): T;
}

interface Pkcs11Slot {
  /** 0: SLOT_DISABLED, 1: SLOT_NOT_PRESENT (no card), higher: a card is there. */
  readonly status: number;
}

interface Pkcs11Module {
  readonly name: string;
  readonly libName: string | null;
  readonly slots?: Iterable<Pkcs11Slot> | null;
  listSlots?(): Iterable<Pkcs11Slot> | null;
}

interface Pkcs11ModuleDB {
  /** An array, or (Thunderbird 153) a Promise of one. */
  listModules(): Iterable<Pkcs11Module> | Promise<Iterable<Pkcs11Module>>;
}

interface LocalFile {
  initWithPath(path: string): void;
  normalize(): void;
  readonly path: string;
}

/** What NativeManifests.lookupManifest finds: the manifest file's path and its content. */
interface HostInfo {
  path: string;
  manifest: { path?: unknown; description?: unknown };
}

/** Thunderbird's OAuth2 provider registry (comm-central OAuth2Providers.sys.mjs). */
export interface OAuth2ProvidersLike {
  registerProvider(...args: unknown[]): void;
  unregisterProvider(issuer: string): void;
  getIssuerDetails(issuer: string): unknown;
}

declare const ChromeUtils: {
  importESModule(url: "resource:///modules/MailServices.sys.mjs"): { MailServices: MailServicesLike };
  importESModule(url: "resource://gre/modules/NativeManifests.sys.mjs"): {
    NativeManifests: { lookupManifest(type: "pkcs11", name: string, context: unknown): Promise<HostInfo | null> };
  };
  importESModule(url: "resource://gre/modules/ExtensionParent.sys.mjs"): { ExtensionParent: { apiManager: ApiManagerLike } };
  importESModule(url: "resource://gre/modules/AddonManager.sys.mjs"): {
    AddonManager: { addAddonListener(l: AddonListenerLike): void; removeAddonListener(l: AddonListenerLike): void };
  };
  importESModule(url: "resource://gre/modules/Timer.sys.mjs"): {
    setTimeout: (fn: () => void, ms: number) => unknown;
    clearTimeout: (id: unknown) => void;
  };
  importESModule(url: "resource:///modules/OAuth2Providers.sys.mjs"): { OAuth2Providers: OAuth2ProvidersLike };
  generateQI(interfaces: string[]): unknown;
};
declare const Components: {
  interfaces: {
    nsISmtpServer: unknown;
    nsIX509CertDB: { TRUSTED_SSL: number; TRUSTED_EMAIL: number };
    nsIX509Cert: { CA_CERT: number };
    nsINSSErrorsService: unknown;
    nsIClientAuthRememberService: { Permanent: number };
    nsIPKCS11ModuleDB: unknown;
    nsIFile: unknown;
    nsIAlertsService: unknown;
    nsIAlertNotification: unknown;
    nsIArray: unknown;
    nsILoginInfo: unknown;
  };
  classes: {
    "@mozilla.org/security/x509certdb;1": ServiceClass<X509CertDB>;
    "@mozilla.org/security/clientAuthRememberService;1": ServiceClass<ClientAuthRememberService>;
    "@mozilla.org/nss_errors_service;1": ServiceClass<NSSErrorsService>;
    "@mozilla.org/security/pkcs11moduledb;1": ServiceClass<Pkcs11ModuleDB>;
    "@mozilla.org/file/local;1": { createInstance(iid: unknown): LocalFile };
    "@mozilla.org/alerts-service;1": ServiceClass<{ showAlert(alert: unknown, listener: null): void }>;
    "@mozilla.org/alert-notification;1": {
      createInstance(iid: unknown): { init(name: string, imageURL: string, title: string, text: string): void };
    };
  };
  isSuccessCode(status: number): boolean;
};
declare const Services: {
  prefs: {
    savePrefFile(file: null): void;
    getStringPref(name: string, defaultValue: string): string;
    setStringPref(name: string, value: string): void;
    clearUserPref(name: string): void;
    getDefaultBranch(root: string): { setBoolPref(name: string, value: boolean): void };
  };
  wm: {
    getMostRecentWindow(type: string): { msgWindow?: unknown } | null;
  };
  obs: {
    addObserver(observer: (subject: unknown, topic: string, data: string) => void, topic: string): void;
    removeObserver(observer: (subject: unknown, topic: string, data: string) => void, topic: string): void;
  };
  ww: {
    registerNotification(observer: (subject: unknown, topic: string) => void): void;
    unregisterNotification(observer: (subject: unknown, topic: string) => void): void;
  };
  appinfo: { OS: string };
};

/** The base class of Experiment APIs (and, where typed, its EventManager). */
export const extensionCommon = (): ExtensionCommonLike => extensionCommonOf<ExtensionCommonLike>();

export function mailServices(): MailServicesLike {
  return ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs").MailServices;
}

/** The outgoing server as an nsISmtpServer (itself when it cannot be). */
export function asSmtp(s: OutgoingServer): SmtpServer {
  try {
    return s.QueryInterface(Components.interfaces.nsISmtpServer);
  } catch {
    return s;
  }
}

export function savePrefs(): void {
  try {
    Services.prefs.savePrefFile(null);
  } catch {
    /* saved at shutdown anyway */
  }
}

export function timers() {
  return ChromeUtils.importESModule("resource://gre/modules/Timer.sys.mjs");
}

/** An nsIUrlListener that reports how the URL ended. */
export function urlListener(onStop: (status: number) => void): UrlListener {
  return {
    QueryInterface: ChromeUtils.generateQI(["nsIUrlListener"]),
    OnStartRunningUrl() {},
    OnStopRunningUrl(_url, status) {
      onStop(status);
    },
  };
}

export function isSuccessCode(status: number): boolean {
  return Components.isSuccessCode(status);
}

/**
 * nsINSSErrorsService's class of an NSS error carried by an nsresult (2 = ERROR_CLASS_BAD_CERT,
 * 1 = ERROR_CLASS_SSL_PROTOCOL), null when it is not one. getErrorClass takes the nsresult and
 * throws for one that is not an NSS error (isNSSErrorCode would take the bare NSS code instead).
 */
export function nssErrorClass(status: number): number | null {
  try {
    const nssErrors = Components.classes["@mozilla.org/nss_errors_service;1"].getService(Components.interfaces.nsINSSErrorsService);
    return nssErrors.getErrorClass(status);
  } catch {
    return null;
  }
}

/** The main window's msgWindow, for prompts during verifyLogon (null when there is none). */
export function mainMsgWindow(): unknown {
  const win = Services.wm.getMostRecentWindow("mail:3pane");
  return win?.msgWindow || null;
}

function certDB(): X509CertDB {
  return Components.classes["@mozilla.org/security/x509certdb;1"].getService(Components.interfaces.nsIX509CertDB);
}

/** The certificate with this SHA-256 fingerprint among those NSS sees (lists every token: may ask for a PIN). */
export function findCertBySha256(fingerprint: string, normalise: (f: unknown) => string): X509Cert | null {
  const want = normalise(fingerprint);
  const certs = certDB().getCerts();
  for (const c of Array.isArray(certs) ? certs : Array.from(certs || [])) {
    if (normalise(c.sha256Fingerprint) === want) return c;
  }
  return null;
}

/**
 * Remembers `cert` as the client certificate for `host`, permanently (Thunderbird 153's signature
 * only). `privateBrowsing`: for private windows instead, as Thunderbird's OAuth window (PSC's
 * sign-in page) is one ("chrome,private"), whose decisions NSS keeps apart (for the session only).
 */
export function clientCertRemembering(cert: X509Cert, privateBrowsing = false): (host: string) => void {
  const svc = Components.classes["@mozilla.org/security/clientAuthRememberService;1"].getService(
    Components.interfaces.nsIClientAuthRememberService,
  );
  const permanent = Components.interfaces.nsIClientAuthRememberService.Permanent;
  const attributes = privateBrowsing ? { privateBrowsingId: 1 } : {};
  return (host) => svc.rememberDecisionScriptable(host, attributes, cert, permanent);
}

/** A certificate built from its base64 DER: NSS's own copy when it has one, with its trust. */
export interface CertState {
  cert: X509Cert;
  /** As NSS writes it ("AB:CD:…"). */
  sha256: string;
  trust: { ssl: boolean; email: boolean };
}

/**
 * The certificate and how NSS trusts it as a CA now. No lookup through getCerts(): listing
 * certificates walks every token, and with the card's module loaded NSS would ask for the card's PIN.
 */
export function certState(base64: string): CertState {
  const certdb = certDB();
  const cert = certdb.constructX509FromBase64(base64);
  const ca = Components.interfaces.nsIX509Cert.CA_CERT;
  const db = Components.interfaces.nsIX509CertDB;
  return {
    cert,
    sha256: cert.sha256Fingerprint,
    trust: {
      ssl: certdb.isCertTrusted(cert, ca, db.TRUSTED_SSL),
      // TRUSTED_OBJSIGN is not asked: Thunderbird 153 fails (NS_ERROR_FAILURE) for a CA it holds.
      email: certdb.isCertTrusted(cert, ca, db.TRUSTED_EMAIL),
    },
  };
}

/** The SHA-256 fingerprint of a base64 DER certificate, as NSS writes it. */
export function sha256Of(base64: string): string {
  return certDB().constructX509FromBase64(base64).sha256Fingerprint;
}

/** Adds the certificate to the profile's database (or finds it there) with this NSS trust string. */
export function setServerCATrust(base64: string, trust: string): void {
  const certdb = certDB();
  const cert = certdb.addCertFromBase64(base64, trust);
  // addCertFromBase64 leaves a certificate already there as it was.
  certdb.setCertTrustFromString(cert ?? certdb.constructX509FromBase64(base64), trust);
}

/** Puts back a trust string on a certificate of the database. */
export function setCertTrust(cert: X509Cert, trust: string): void {
  certDB().setCertTrustFromString(cert, trust);
}

/** Deletes the certificate from the profile's database (its trust goes with it). */
export function deleteCert(cert: X509Cert): void {
  certDB().deleteCertificate(cert);
}

export function readStringPref(name: string): string {
  return Services.prefs.getStringPref(name, "");
}

export function writeStringPref(name: string, value: string): void {
  if (value) Services.prefs.setStringPref(name, value);
  else Services.prefs.clearUserPref(name);
  savePrefs();
}

/**
 * Calls `fn`, once, when the add-on `id` is being disabled or uninstalled (not for an update or
 * Thunderbird quitting). Two routes:
 * - the Add-on Manager's onDisabling / onUninstalling, called before the add-on shuts down;
 * - the parent API manager's "disable" (reasons ADDON_DISABLE and ADDON_UNINSTALL), emitted in the
 *   middle of the add-on's shutdown.
 * The first is the one that holds: Thunderbird 153 stops the shutdown half-way, before "disable",
 * when our message display action's unpaint meets an about:message without its header toolbar
 * (never loaded since start: "toolbar is null" in ExtensionToolbarButtons.sys.mjs), so the API
 * manager's event alone left the CAs trusted after a disable (test/e2e/server-ca-trust.test.ts).
 * Experiments get no static onDisable/onUninstall, which Thunderbird calls for its built-in APIs
 * only. Returns what stops listening.
 */
export function onDisableOrUninstall(id: string, fn: () => void): () => void {
  let called = false;
  const once = (addonId: unknown) => {
    if (addonId !== id || called) return;
    called = true;
    fn();
  };
  const { AddonManager } = ChromeUtils.importESModule("resource://gre/modules/AddonManager.sys.mjs");
  const addonListener: AddonListenerLike = {
    onDisabling: (addon) => once(addon?.id),
    onUninstalling: (addon) => once(addon?.id),
  };
  AddonManager.addAddonListener(addonListener);
  const { apiManager } = ChromeUtils.importESModule("resource://gre/modules/ExtensionParent.sys.mjs").ExtensionParent;
  const apiListener = (_event: string, disabledId: string) => once(disabledId);
  apiManager.on("disable", apiListener);
  return () => {
    AddonManager.removeAddonListener(addonListener);
    apiManager.off("disable", apiListener);
  };
}

/** How library paths compare on this system: letter case is ignored on Windows and macOS. */
export function pathRules(): { caseInsensitive: boolean; windows: boolean } {
  const os = Services.appinfo.OS;
  return { caseInsensitive: os === "WINNT" || os === "Darwin", windows: os === "WINNT" };
}

/** The path with symbolic links resolved (nsIFile.normalize: realpath on Unix), null when it cannot be. */
export function resolvedPath(path: string): string | null {
  if (!/[\\/]/.test(path)) return null;
  try {
    const f = Components.classes["@mozilla.org/file/local;1"].createInstance(Components.interfaces.nsIFile);
    f.initWithPath(path);
    f.normalize();
    return f.path;
  } catch {
    return null;
  }
}

/**
 * The library path and description of a pkcs11 native manifest, found as the WebExtension pkcs11
 * API finds it (NativeManifests, for this extension's context); a relative path is taken from the
 * manifest's folder, as that API does. null when there is no such manifest for this extension.
 */
export async function pkcs11Manifest(name: string, context: unknown): Promise<{ path: string; description: string } | null> {
  const { NativeManifests } = ChromeUtils.importESModule("resource://gre/modules/NativeManifests.sys.mjs");
  const info = await NativeManifests.lookupManifest("pkcs11", name, context);
  if (!info || typeof info.manifest.path !== "string") return null;
  const p = info.manifest.path;
  const absolute = /^([\\/]|[A-Za-z]:[\\/])/.test(p) ? p : `${info.path.replace(/[\\/][^\\/]*$/, "")}/${p}`;
  return { path: absolute, description: typeof info.manifest.description === "string" ? info.manifest.description : "" };
}

/** The PKCS#11 modules loaded in Thunderbird: name, library, and whether a card is in one of their slots. */
export async function loadedPkcs11Modules(): Promise<{ name: string; libName: string; tokenPresent: boolean }[]> {
  const db = Components.classes["@mozilla.org/security/pkcs11moduledb;1"].getService(Components.interfaces.nsIPKCS11ModuleDB);
  const out: { name: string; libName: string; tokenPresent: boolean }[] = [];
  for (const m of Array.from(await db.listModules())) {
    if (!m) continue;
    let tokenPresent = false;
    try {
      const slots = m.slots ?? (m.listSlots ? m.listSlots() : null);
      tokenPresent = Array.from(slots ?? []).some((s) => s.status > 1); // 0 disabled, 1 no card
    } catch {
      tokenPresent = false;
    }
    out.push({ name: String(m.name), libName: m.libName ? String(m.libName) : "", tokenPresent });
  }
  return out;
}

export function oauth2Providers(): OAuth2ProvidersLike {
  return ChromeUtils.importESModule("resource:///modules/OAuth2Providers.sys.mjs").OAuth2Providers;
}

/**
 * Gecko's "fall back to https" for a URL that fails over http: Thunderbird's OAuth window, when
 * the provider redirects to the loopback `http://localhost/?code=…` (where nothing listens),
 * retried it as https and never saw the code. Set on the default branch only: not saved, gone
 * when the add-on is not running, and a user's own value still wins.
 */
export function disableHttpsFallback(): void {
  Services.prefs.getDefaultBranch("").setBoolPref("browser.fixup.fallback-to-https", false);
}

/** An OAuth window as the session watcher sees it: the page it signs in on, a notice, its closing. */
export interface SignInWindow {
  url: unknown;
  /** Shows `text` in a banner of this add-on at the top of the window, above the address line. */
  showNotice(text: string): void;
  onClose(fn: () => void): void;
}

/** The id of the add-on's banner in Thunderbird's OAuth window (the e2e test reads it). */
const SIGN_IN_NOTICE_ID = "mssante-psc-notice";

interface ElementLike {
  id: string;
  textContent: string | null;
  parentNode: ElementLike | null;
  firstChild: ElementLike | null;
  insertBefore(node: ElementLike, before: ElementLike | null): void;
  setAttribute(name: string, value: string): void;
}

interface ChromeWindowLike {
  document: {
    documentURI: string;
    readyState: string;
    body: ElementLike | null;
    getElementById(id: string): ElementLike | null;
    createElementNS(ns: string, name: string): ElementLike;
  };
  arguments?: Array<{ url?: unknown; wrappedJSObject?: { url?: unknown } }>;
  addEventListener(type: string, fn: () => void, opts?: { once?: boolean }): void;
}

/** The banner: inserted above the window's address line, which Thunderbird rewrites at every page change. */
function showNoticeIn(win: ChromeWindowLike, text: string): void {
  const doc = win.document;
  const existing = doc.getElementById(SIGN_IN_NOTICE_ID);
  if (existing) {
    existing.textContent = text;
    return;
  }
  const banner = doc.createElementNS("http://www.w3.org/1999/xhtml", "div");
  banner.id = SIGN_IN_NOTICE_ID;
  banner.setAttribute("role", "alert");
  banner.setAttribute(
    "style",
    "padding: 10px 14px; background: #fff4ce; color: #3d2f00; border-bottom: 1px solid #c9a400; font-weight: 600; white-space: normal;",
  );
  banner.textContent = text;
  const header = doc.getElementById("header");
  const parent = header?.parentNode ?? doc.body;
  parent?.insertBefore(banner, header ?? doc.body?.firstChild ?? null);
}

/**
 * Calls `fn` for every window with `uri` once loaded (Thunderbird's OAuth window: its request,
 * `window.arguments[0].wrappedJSObject`, names the URL it loads), once per document. Seen by
 * Gecko's "chrome-document-loaded" (the loaded document itself, whatever window it went into) and
 * by the window watcher's "domwindowopened" then the window's load. Returns the unwatch function.
 */
export function watchWindows(uri: string, fn: (w: SignInWindow) => void): () => void {
  const handled = new WeakSet<object>();
  const loaded = (win: ChromeWindowLike | null | undefined) => {
    const doc = win?.document;
    if (!win || !doc || doc.documentURI !== uri || handled.has(doc)) return;
    handled.add(doc);
    fn({
      url: win.arguments?.[0]?.wrappedJSObject?.url ?? win.arguments?.[0]?.url,
      showNotice: (text) => showNoticeIn(win, text),
      onClose(close) {
        win.addEventListener("unload", close, { once: true });
      },
    });
  };
  const observer = (subject: unknown, topic: string) => {
    if (topic !== "domwindowopened") return;
    const win = subject as ChromeWindowLike;
    win.addEventListener("load", () => loaded(win), { once: true });
  };
  const documentLoaded = (subject: unknown) => {
    loaded((subject as { defaultView?: ChromeWindowLike | null } | null)?.defaultView);
  };
  Services.ww.registerNotification(observer);
  Services.obs.addObserver(documentLoaded, "chrome-document-loaded");
  return () => {
    Services.ww.unregisterNotification(observer);
    Services.obs.removeObserver(documentLoaded, "chrome-document-loaded");
  };
}

/**
 * Calls `fn` with the origin of every login added to or changed in the login manager from now on
 * (a refresh token stored by Thunderbird's OAuth2 module). Never reads a password. Returns the
 * unwatch function.
 */
export function watchLoginChanges(fn: (origin: string) => void): () => void {
  const observer = (subject: unknown, _topic: string, data: string) => {
    if (data !== "addLogin" && data !== "modifyLogin") return;
    try {
      const s = subject as {
        QueryInterface(iid: unknown): { origin?: string; queryElementAt?(i: number, iid: unknown): { origin: string } };
      };
      // modifyLogin: an nsIArray of the old login and the new one.
      const login =
        data === "modifyLogin"
          ? s.QueryInterface(Components.interfaces.nsIArray).queryElementAt?.(1, Components.interfaces.nsILoginInfo)
          : s.QueryInterface(Components.interfaces.nsILoginInfo);
      if (login?.origin) fn(String(login.origin));
    } catch {
      /* not a login */
    }
  };
  Services.obs.addObserver(observer, "passwordmgr-storage-changed");
  return () => Services.obs.removeObserver(observer, "passwordmgr-storage-changed");
}

/** A system notification through Thunderbird's alerts service (what notifications.create reaches). */
export function showNotification(name: string, title: string, text: string): void {
  const alert = Components.classes["@mozilla.org/alert-notification;1"].createInstance(Components.interfaces.nsIAlertNotification);
  alert.init(name, "", title, text);
  Components.classes["@mozilla.org/alerts-service;1"].getService(Components.interfaces.nsIAlertsService).showAlert(alert, null);
}
