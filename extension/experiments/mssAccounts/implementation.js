/* This Source Code Form is subject to the terms of the Mozilla Public License, v. 2.0. */
/* global ChromeUtils, Components, Services */
"use strict";

/*
 * mssAccounts: the parent-process part of the MSSanté extension (an Experiment: the MailExtension
 * `accounts` API is read-only). Plain script, loaded by Thunderbird into its own scope.
 *
 * Rule: no function rejects. Thunderbird turns any error thrown here into "An unexpected error
 * occurred", which tells the user nothing; every function returns {ok: true, ...} or
 * {ok: false, code, message, detail?} and the extension explains `code`.
 *
 * Checked against Thunderbird 153: MailServices.accounts.createIncomingServer / findServer /
 * findAccountForServer, MailServices.outgoingServer.createServer("smtp") / findServer, the server
 * attribute is `hostname`, incomingServer.verifyLogon(urlListener, msgWindow).
 *
 * Everything lives in a closure: Experiment scripts may share one global with other Experiments,
 * and a top-level const would collide (or fail on a reload). Only `mssAccounts` is global, as
 * Thunderbird looks the API class up by that name.
 */

var mssAccounts = (function () {
  const mssExtensionCommon =
    (typeof ExtensionCommon !== "undefined" && ExtensionCommon) ||
    ChromeUtils.importESModule("resource://gre/modules/ExtensionCommon.sys.mjs").ExtensionCommon;

  function mssMailServices() {
    return ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs").MailServices;
  }

  function mssCi() {
    return Components.interfaces;
  }

  function mssCc() {
    return Components.classes;
  }

  /** A failure result: the message says what happened; the extension says what to do. */
  function mssFail(code, message, error) {
    const out = { ok: false, code, message };
    if (error) out.detail = String((error && error.message) || error).slice(0, 500);
    return out;
  }

  /** Runs fn and turns anything it throws into {ok: false}. */
  async function mssGuarded(code, fn) {
    try {
      return await fn();
    } catch (e) {
      return mssFail(code, "Thunderbird refused the operation", e);
    }
  }

  // ---- pure helpers (also exercised by extension/experiments/mss-accounts.test.ts) ----------------

  const MSS_SOCKET_TYPES = [0, 2, 3];
  const MSS_AUTH_METHODS = [1, 3, 4, 7, 10];

  function mssValidServer(s) {
    return (
      s &&
      typeof s.host === "string" &&
      /^[A-Za-z0-9.-]{1,253}$/.test(s.host) &&
      Number.isInteger(s.port) &&
      s.port > 0 &&
      s.port < 65536 &&
      MSS_SOCKET_TYPES.includes(s.socketType) &&
      MSS_AUTH_METHODS.includes(s.authMethod)
    );
  }

  function mssValidEmail(e) {
    return typeof e === "string" && e.length <= 320 && /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(e);
  }

  /** "AB:CD:…" or "abcd…" → "abcd…" */
  function mssNormFingerprint(f) {
    return String(f || "").replace(/:/g, "").toLowerCase();
  }

  function mssPemToBase64(pem) {
    const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(String(pem || ""));
    if (!m) return null;
    const b64 = m[1].replace(/\s+/g, "");
    return /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? b64 : null;
  }

  const MSS_NSS_SEC_BASE = -8192;
  const MSS_NSS_SSL_BASE = -12288;
  const MSS_NET_UNREACHABLE = {
    0x804b000d: "connection refused",
    0x804b001e: "unknown host",
    0x804b000e: "connection timed out",
    0x804b0014: "connection reset",
    0x804b0047: "connection interrupted",
    0x804b0010: "offline",
    0x804b002a: "proxy refused",
  };

  /**
   * An nsresult from verifyLogon → a failure kind. NSS errors are nsresults of module
   * NS_ERROR_MODULE_SECURITY (0x5A after the +0x45 offset) carrying -(NSS error code).
   * `errorClass` is nsINSSErrorsService.getErrorClass(status) when available (1 = bad server cert).
   */
  function mssClassifyLogonStatus(status, errorClass) {
    const s = status >>> 0;
    if (MSS_NET_UNREACHABLE[s]) return { code: "server-unreachable", message: MSS_NET_UNREACHABLE[s] };
    if (((s >>> 16) & 0x1fff) === 0x5a) {
      const nss = -(s & 0xffff);
      if (errorClass === 1) return { code: "server-cert-untrusted", message: "the server's certificate is not trusted (NSS " + nss + ")" };
      if (nss === MSS_NSS_SEC_BASE + 15) return { code: "pin-wrong", message: "wrong PIN (SEC_ERROR_BAD_PASSWORD)" };
      if (nss === MSS_NSS_SSL_BASE + 3) return { code: "client-cert-not-found", message: "no client certificate or key available (SSL_ERROR_NO_CERTIFICATE)" };
      const refusedAlerts = [17, 18, 19, 181];
      if (refusedAlerts.includes(nss - MSS_NSS_SSL_BASE)) {
        return { code: "cert-refused", message: "the server refused the card's certificate (SSL alert, NSS " + nss + ")" };
      }
      if (nss <= MSS_NSS_SSL_BASE && nss > MSS_NSS_SSL_BASE - 1000) {
        return { code: "cert-refused", message: "the TLS handshake with the card's certificate failed (NSS " + nss + ")" };
      }
      if (nss <= MSS_NSS_SEC_BASE && nss > MSS_NSS_SEC_BASE - 1000) {
        return { code: "server-cert-untrusted", message: "certificate error (NSS " + nss + ")" };
      }
    }
    return { code: "login-refused", message: "the server refused the login (status 0x" + s.toString(16) + ")" };
  }

  // ---- Thunderbird objects ---------------------------------------------------------------------

  function mssIdentities(account) {
    const ids = account.identities;
    return Array.isArray(ids) ? ids : ids ? Array.from(ids) : [];
  }

  function mssAccountsList(MS) {
    const a = MS.accounts.accounts;
    return Array.isArray(a) ? a : Array.from(a || []);
  }

  function mssFindAccountByEmail(MS, email) {
    const want = email.toLowerCase();
    for (const account of mssAccountsList(MS)) {
      for (const id of mssIdentities(account)) {
        if (id && id.email && id.email.toLowerCase() === want) return { account, identity: id };
      }
    }
    return null;
  }

  function mssSmtpOf(MS, identity) {
    if (!identity || !identity.smtpServerKey) return null;
    try {
      const s = MS.outgoingServer.getServerByKey(identity.smtpServerKey);
      return s ? mssAsSmtp(s) : null;
    } catch (e) {
      return null;
    }
  }

  function mssAsSmtp(s) {
    try {
      return s.QueryInterface(mssCi().nsISmtpServer);
    } catch (e) {
      return s;
    }
  }

  function mssSummary(MS, account, identity) {
    const server = account.incomingServer;
    const smtp = mssSmtpOf(MS, identity);
    return {
      accountId: account.key,
      email: identity ? identity.email : null,
      realName: identity ? identity.fullName || null : null,
      imap: server
        ? { host: server.hostname, port: server.port, socketType: server.socketType, authMethod: server.authMethod, username: server.username }
        : null,
      smtp: smtp
        ? { host: smtp.hostname, port: smtp.port, socketType: smtp.socketType, authMethod: smtp.authMethod, username: smtp.username, key: smtp.key }
        : null,
      paused: server ? mssIsPaused(server) : false,
    };
  }

  function mssIsPaused(server) {
    try {
      return server.getBoolValue("mss_checks_paused") === true;
    } catch (e) {
      return false;
    }
  }

  /** Sets obj[prop] = value when it differs; records the change. */
  function mssSet(obj, prop, value, changes, label) {
    if (obj[prop] !== value) {
      obj[prop] = value;
      changes.push(label + "." + prop);
    }
  }

  function mssConfigureSmtp(smtp, cfg, email, changes) {
    mssSet(smtp, "hostname", cfg.host, changes, "smtp");
    mssSet(smtp, "port", cfg.port, changes, "smtp");
    mssSet(smtp, "socketType", cfg.socketType, changes, "smtp");
    mssSet(smtp, "authMethod", cfg.authMethod, changes, "smtp");
    mssSet(smtp, "username", cfg.username || email, changes, "smtp");
    if (!smtp.description) smtp.description = "MSSanté";
  }

  function mssConfigureImap(server, cfg, changes) {
    mssSet(server, "hostname", cfg.host, changes, "imap");
    mssSet(server, "port", cfg.port, changes, "imap");
    mssSet(server, "socketType", cfg.socketType, changes, "imap");
    mssSet(server, "authMethod", cfg.authMethod, changes, "imap");
  }

  function mssFindOrCreateSmtp(MS, cfg, email, changes) {
    const user = cfg.username || email;
    let smtp = null;
    try {
      smtp = MS.outgoingServer.findServer(user, cfg.host, "smtp");
    } catch (e) {
      smtp = null;
    }
    if (!smtp) {
      smtp = MS.outgoingServer.createServer("smtp");
      changes.push("smtp.created");
    }
    smtp = mssAsSmtp(smtp);
    mssConfigureSmtp(smtp, cfg, email, changes);
    return smtp;
  }

  function mssSetFolders(identity, server) {
    const base = server.serverURI + "/";
    if (!identity.fccFolderURI) identity.fccFolderURI = base + "Sent";
    if (!identity.draftsFolderURI) identity.draftsFolderURI = base + "Drafts";
    if (!identity.templatesFolderURI) identity.templatesFolderURI = base + "Templates";
  }

  function mssSavePrefs() {
    try {
      Services.prefs.savePrefFile(null);
    } catch (e) {
      /* saved at shutdown anyway */
    }
  }

  function mssCreateOrRepair(MS, req) {
    if (!req || !mssValidEmail(req.email)) return mssFail("invalid-request", "invalid e-mail address");
    if (typeof req.realName !== "string" || req.realName.length > 200) return mssFail("invalid-request", "invalid name");
    if (!mssValidServer(req.imap) || !mssValidServer(req.smtp)) return mssFail("invalid-request", "invalid server settings");
    const email = req.email;
    const imapUser = req.imap.username || email;
    const changes = [];

    // Existing account: by identity address, else by its IMAP server.
    let found = mssFindAccountByEmail(MS, email);
    if (!found) {
      const server = MS.accounts.findServer(imapUser, req.imap.host, "imap");
      if (server) {
        const account = MS.accounts.findAccountForServer(server);
        if (account) found = { account, identity: account.defaultIdentity || mssIdentities(account)[0] || null };
      }
    }

    if (found) {
      const { account } = found;
      let identity = found.identity;
      const server = account.incomingServer;
      if (!server || server.type !== "imap") {
        return mssFail("existing-not-imap", "an account for this address exists and is not an IMAP account; remove it or change it by hand");
      }
      mssConfigureImap(server, req.imap, changes);
      if (!identity) {
        identity = MS.accounts.createIdentity();
        account.addIdentity(identity);
        changes.push("identity.created");
      }
      mssSet(identity, "email", email, changes, "identity");
      if (req.realName) mssSet(identity, "fullName", req.realName, changes, "identity");
      const smtp = mssFindOrCreateSmtp(MS, req.smtp, email, changes);
      mssSet(identity, "smtpServerKey", smtp.key, changes, "identity");
      mssSetFolders(identity, server);
      if (changes.length) mssSavePrefs();
      return { ok: true, accountId: account.key, action: changes.length ? "repaired" : "unchanged", changes };
    }

    // New account. The incoming server is attached last: setting it makes the account manager
    // refresh, and everything else must be in place by then.
    const server = MS.accounts.createIncomingServer(imapUser, req.imap.host, "imap");
    mssConfigureImap(server, req.imap, changes);
    const smtp = mssFindOrCreateSmtp(MS, req.smtp, email, changes);
    const identity = MS.accounts.createIdentity();
    identity.fullName = req.realName;
    identity.email = email;
    identity.smtpServerKey = smtp.key;
    identity.valid = true;
    mssSetFolders(identity, server);
    const account = MS.accounts.createAccount();
    account.addIdentity(identity);
    account.incomingServer = server;
    mssSavePrefs();
    return { ok: true, accountId: account.key, action: "created", changes: ["account.created"].concat(changes) };
  }

  function mssGetAccount(MS, accountId) {
    if (typeof accountId !== "string" || !accountId) return null;
    try {
      return MS.accounts.getAccount(accountId);
    } catch (e) {
      return null;
    }
  }

  function mssVerifyLogon(MS, accountId, timeoutMs) {
    const account = mssGetAccount(MS, accountId);
    if (!account || !account.incomingServer) return Promise.resolve(mssFail("unknown-account", "no such account"));
    const server = account.incomingServer;
    const { setTimeout, clearTimeout } = ChromeUtils.importESModule("resource://gre/modules/Timer.sys.mjs");
    return new Promise((resolve) => {
      let done = false;
      const finish = (r) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(
        () => finish(mssFail("timeout", "no answer from the server (or the PIN prompt) in time")),
        timeoutMs || 120000,
      );
      const listener = {
        QueryInterface: ChromeUtils.generateQI(["nsIUrlListener"]),
        OnStartRunningUrl() {},
        OnStopRunningUrl(url, status) {
          try {
            if (Components.isSuccessCode(status)) return finish({ ok: true, verified: true });
            let errorClass = null;
            try {
              const nssErrors = mssCc()["@mozilla.org/nss_errors_service;1"].getService(mssCi().nsINSSErrorsService);
              if (nssErrors.isNSSErrorCode(status)) errorClass = nssErrors.getErrorClass(status);
            } catch (e) {
              errorClass = null;
            }
            const c = mssClassifyLogonStatus(status, errorClass);
            finish(mssFail(c.code, c.message));
          } catch (e) {
            finish(mssFail("unknown", "logon check failed", e));
          }
        },
      };
      try {
        const win = Services.wm.getMostRecentWindow("mail:3pane");
        const msgWindow = (win && win.msgWindow) || null;
        server.verifyLogon(listener, msgWindow);
      } catch (e) {
        finish(mssFail("unknown", "could not start the logon check", e));
      }
    });
  }

  function mssFindCertBySha256(fingerprint) {
    const want = mssNormFingerprint(fingerprint);
    const certdb = mssCc()["@mozilla.org/security/x509certdb;1"].getService(mssCi().nsIX509CertDB);
    const certs = certdb.getCerts();
    for (const c of Array.isArray(certs) ? certs : Array.from(certs || [])) {
      if (mssNormFingerprint(c.sha256Fingerprint) === want) return c;
    }
    return null;
  }

  function mssRemember(req) {
    if (!req || !Array.isArray(req.hosts) || !req.hosts.length) return mssFail("invalid-request", "no host");
    if (!/^[0-9a-fA-F:]{64,95}$/.test(String(req.certificateSha256 || ""))) return mssFail("invalid-request", "invalid fingerprint");
    const hosts = req.hosts.filter((h) => typeof h === "string" && /^[A-Za-z0-9.-]{1,253}$/.test(h));
    const cert = mssFindCertBySha256(req.certificateSha256);
    if (!cert) {
      return mssFail("client-cert-not-found", "the card's certificate is not visible to Thunderbird (is the card's PKCS#11 module loaded and the card inserted?)");
    }
    const Ci = mssCi();
    const svc = mssCc()["@mozilla.org/security/clientAuthRememberService;1"].getService(Ci.nsIClientAuthRememberService);
    const permanent = Ci.nsIClientAuthRememberService.Permanent;
    const remembered = [];
    for (const host of hosts) {
      // The signature changed across Gecko versions; 153 takes (host, originAttributes, clientCert, duration).
      const attempts = [
        () => svc.rememberDecisionScriptable(host, {}, cert, permanent),
        () => svc.rememberDecisionScriptable(host, {}, cert),
        () => svc.rememberDecisionScriptable(host, {}, null, cert),
      ];
      let ok = false;
      let lastError = null;
      for (const a of attempts) {
        try {
          a();
          ok = true;
          break;
        } catch (e) {
          lastError = e;
        }
      }
      if (!ok) return mssFail("remember-failed", "could not remember the certificate for " + host, lastError);
      remembered.push(host);
    }
    return { ok: true, remembered };
  }

  function mssTrustCA(pem) {
    const b64 = mssPemToBase64(pem);
    if (!b64) return mssFail("invalid-request", "not a PEM certificate");
    const certdb = mssCc()["@mozilla.org/security/x509certdb;1"].getService(mssCi().nsIX509CertDB);
    const fingerprint = mssNormFingerprint(certdb.constructX509FromBase64(b64).sha256Fingerprint);
    // No lookup through certdb.getCerts(): listing certificates walks every token, and with the
    // card's module loaded NSS would ask for the card's PIN. Adding an existing certificate is
    // harmless; its trust is then set to TLS servers only.
    const cert = certdb.addCertFromBase64(b64, "C,,");
    if (cert) certdb.setCertTrustFromString(cert, "C,,");
    return { ok: true, added: true, fingerprint };
  }

  function mssPause(MS, accountId, paused) {
    const account = mssGetAccount(MS, accountId);
    if (!account || !account.incomingServer) return mssFail("unknown-account", "no such account");
    const server = account.incomingServer;
    const already = mssIsPaused(server);
    if (paused && !already) {
      server.setBoolValue("mss_prev_doBiff", !!server.doBiff);
      server.setBoolValue("mss_prev_loginAtStartUp", !!server.loginAtStartUp);
      server.doBiff = false;
      server.loginAtStartUp = false;
      server.setBoolValue("mss_checks_paused", true);
      try {
        server.closeCachedConnections();
      } catch (e) {
        /* no open connection */
      }
    } else if (!paused && already) {
      let prevBiff = true;
      let prevLogin = true;
      try {
        prevBiff = server.getBoolValue("mss_prev_doBiff");
        prevLogin = server.getBoolValue("mss_prev_loginAtStartUp");
      } catch (e) {
        /* defaults */
      }
      server.doBiff = prevBiff;
      server.loginAtStartUp = prevLogin;
      server.setBoolValue("mss_checks_paused", false);
    }
    return { ok: true, paused: mssIsPaused(server) };
  }

  const api = class extends mssExtensionCommon.ExtensionAPI {
    getAPI(_context) {
      return {
        mssAccounts: {
          findAccount(email) {
            return mssGuarded("find-failed", () => {
              if (!mssValidEmail(email)) return mssFail("invalid-request", "invalid e-mail address");
              const MS = mssMailServices();
              const f = mssFindAccountByEmail(MS, email);
              return { ok: true, found: !!f, account: f ? mssSummary(MS, f.account, f.identity) : null };
            });
          },
          createOrRepairAccount(request) {
            return mssGuarded("account-failed", () => mssCreateOrRepair(mssMailServices(), request));
          },
          verifyLogon(accountId, timeoutMs) {
            return mssGuarded("unknown", () => mssVerifyLogon(mssMailServices(), accountId, timeoutMs));
          },
          rememberClientCertificate(request) {
            return mssGuarded("remember-failed", () => mssRemember(request));
          },
          trustServerCA(pem) {
            return mssGuarded("ca-failed", () => mssTrustCA(pem));
          },
          pauseChecks(accountId, paused) {
            return mssGuarded("pause-failed", () => mssPause(mssMailServices(), accountId, paused));
          },
        },
      };
    }
  };

  // Exposed for the unit tests, which load this file in a sandbox with fake Thunderbird objects.
  api.forTests = { mssClassifyLogonStatus, mssPemToBase64, mssNormFingerprint, mssCreateOrRepair, mssPause };
  return api;
})();
