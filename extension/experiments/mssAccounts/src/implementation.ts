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
 * certificates.ts); privileged.ts is the only one that touches Thunderbird's globals.
 */
import { createOrRepair, findAccountByEmail, getAccount, plan, setImapUsername, summary, type AccountsEnv } from "./accounts.ts";
import type { ExperimentFailure, MssAccountsApi } from "./api.ts";
import { rememberForHosts } from "./certificates.ts";
import { classifyLogonStatus } from "./logon-status.ts";
import { modulesOfLibrary } from "./pkcs11-modules.ts";
import {
  addServerCA,
  asSmtp,
  clientCertRemembering,
  extensionCommon,
  findCertBySha256,
  isSuccessCode,
  loadedPkcs11Modules,
  mailServices,
  mainMsgWindow,
  nssErrorClass,
  pathRules,
  pkcs11Manifest,
  resolvedPath,
  savePrefs,
  timers,
  urlListener,
} from "./privileged.ts";
import { fail, guarded } from "./results.ts";
import { HELD, PAUSED, setCheckFlag, type CheckReason } from "./settings.ts";
import { checkRememberRequest, normFingerprint, pemToBase64, validEmail } from "./validate.ts";

function env(): AccountsEnv {
  return { MS: mailServices(), asSmtp, savePrefs };
}

function verifyLogon(accountId: unknown, timeoutMs: unknown) {
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
  return rememberForHosts(checked.hosts, clientCertRemembering(cert));
}

function trustServerCA(pem: unknown) {
  const b64 = pemToBase64(pem);
  if (!b64) return fail("invalid-request", "not a PEM certificate");
  return { ok: true as const, added: true, fingerprint: normFingerprint(addServerCA(b64)) };
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
  trustServerCA(pem: unknown) {
    return guarded("ca-failed", () => trustServerCA(pem));
  },
  pauseChecks(accountId: unknown, paused: unknown) {
    return guarded("pause-failed", () => setChecks(accountId, PAUSED, paused));
  },
  holdChecks(accountId: unknown, held: unknown) {
    return guarded("hold-failed", () => setChecks(accountId, HELD, held));
  },
} satisfies Omit<MssAccountsApi, "pkcs11ModulesOfManifest">;

export default class MssAccountsAPI extends extensionCommon().ExtensionAPI {
  getAPI(context: unknown): { mssAccounts: MssAccountsApi } {
    return {
      mssAccounts: {
        ...api,
        // Needs the extension's context: the manifest is looked up for this extension, as the pkcs11 API does.
        pkcs11ModulesOfManifest(name: unknown) {
          return guarded("pkcs11-failed", () => pkcs11ModulesOfManifest(context, name));
        },
      },
    };
  }
}
