/**
 * Everything that touches Thunderbird's privileged globals (ChromeUtils, Components, Services,
 * ExtensionCommon), typed by hand with only what is used. The declarations below are local to this
 * module: the rest of the project does not see these globals, and the bundle refers to them by
 * name, as the Experiment's script scope provides them.
 */
import type { MailServicesLike, OutgoingServer, SmtpServer, UrlListener } from "./thunderbird-objects.ts";

interface ExtensionCommonLike {
  ExtensionAPI: new (extension: unknown) => object;
}

interface X509Cert {
  readonly sha256Fingerprint: string;
}

interface X509CertDB {
  getCerts(): Iterable<X509Cert> | null;
  constructX509FromBase64(base64: string): X509Cert;
  addCertFromBase64(base64: string, trust: string): X509Cert | null;
  setCertTrustFromString(cert: X509Cert, trust: string): void;
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

declare const ChromeUtils: {
  importESModule(url: "resource://gre/modules/ExtensionCommon.sys.mjs"): { ExtensionCommon: ExtensionCommonLike };
  importESModule(url: "resource:///modules/MailServices.sys.mjs"): { MailServices: MailServicesLike };
  importESModule(url: "resource://gre/modules/Timer.sys.mjs"): {
    setTimeout: (fn: () => void, ms: number) => unknown;
    clearTimeout: (id: unknown) => void;
  };
  generateQI(interfaces: string[]): unknown;
};
declare const Components: {
  interfaces: {
    nsISmtpServer: unknown;
    nsIX509CertDB: unknown;
    nsINSSErrorsService: unknown;
    nsIClientAuthRememberService: { Permanent: number };
  };
  classes: {
    "@mozilla.org/security/x509certdb;1": ServiceClass<X509CertDB>;
    "@mozilla.org/security/clientAuthRememberService;1": ServiceClass<ClientAuthRememberService>;
    "@mozilla.org/nss_errors_service;1": ServiceClass<NSSErrorsService>;
  };
  isSuccessCode(status: number): boolean;
};
declare const Services: {
  prefs: { savePrefFile(file: null): void };
  wm: { getMostRecentWindow(type: string): { msgWindow?: unknown } | null };
};
/** A global in the Experiment's scope in some Thunderbird versions, imported otherwise. */
declare const ExtensionCommon: ExtensionCommonLike | undefined;

/** The base class of Experiment APIs. */
export function extensionCommon(): ExtensionCommonLike {
  return (
    (typeof ExtensionCommon !== "undefined" && ExtensionCommon) ||
    ChromeUtils.importESModule("resource://gre/modules/ExtensionCommon.sys.mjs").ExtensionCommon
  );
}

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
  return (win?.msgWindow) || null;
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

/** Remembers `cert` as the client certificate for `host`, permanently (Thunderbird 153's signature only). */
export function clientCertRemembering(cert: X509Cert): (host: string) => void {
  const svc = Components.classes["@mozilla.org/security/clientAuthRememberService;1"].getService(
    Components.interfaces.nsIClientAuthRememberService,
  );
  const permanent = Components.interfaces.nsIClientAuthRememberService.Permanent;
  return (host) => svc.rememberDecisionScriptable(host, {}, cert, permanent);
}

/**
 * Adds a server CA, trusted for TLS servers only; returns its SHA-256 fingerprint as NSS writes it.
 * No lookup through getCerts(): listing certificates walks every token, and with the card's module
 * loaded NSS would ask for the card's PIN. Adding an existing certificate is harmless; its trust is
 * then set to TLS servers only.
 */
export function addServerCA(base64: string): string {
  const certdb = certDB();
  const fingerprint = certdb.constructX509FromBase64(base64).sha256Fingerprint;
  const cert = certdb.addCertFromBase64(base64, "C,,");
  if (cert) certdb.setCertTrustFromString(cert, "C,,");
  return fingerprint;
}
