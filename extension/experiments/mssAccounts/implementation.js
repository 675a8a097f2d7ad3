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
      paused: server ? mssFlag(server, MSS_PAUSED) : false,
      held: server ? mssFlag(server, MSS_HELD) : false,
    };
  }

  /**
   * Two independent reasons keep an account's automatic checks (biff, login at startup) off:
   * the card is out (pauseChecks, from the extension's card watcher) and the logon with the card
   * has not been verified yet (holdChecks, from the setup). Checks run again only when neither holds.
   */
  const MSS_PAUSED = "mss_checks_paused";
  const MSS_HELD = "mss_checks_held";

  function mssFlag(server, pref) {
    try {
      return server.getBoolValue(pref) === true;
    } catch (e) {
      return false;
    }
  }

  /** A value as the setup page shows it: numbers and strings as they are, nothing as null. */
  function mssShow(v) {
    if (v === undefined || v === null || v === "") return null;
    return typeof v === "number" || typeof v === "boolean" ? v : String(v);
  }

  /**
   * Compares obj[prop] with value; a difference is recorded as {field, from, to} and, only when
   * `apply`, made. Dry runs (planAccount) and repairs share this, so they report the same fields.
   */
  function mssSet(obj, prop, value, changes, label, apply) {
    if (obj[prop] !== value) {
      changes.push({ field: label + "." + prop, from: mssShow(obj[prop]), to: mssShow(value) });
      if (apply) obj[prop] = value;
    }
  }

  function mssConfigureSmtp(smtp, cfg, email, changes, apply) {
    mssSet(smtp, "hostname", cfg.host, changes, "smtp", apply);
    mssSet(smtp, "port", cfg.port, changes, "smtp", apply);
    mssSet(smtp, "socketType", cfg.socketType, changes, "smtp", apply);
    mssSet(smtp, "authMethod", cfg.authMethod, changes, "smtp", apply);
    mssSet(smtp, "username", cfg.username || email, changes, "smtp", apply);
  }

  function mssConfigureImap(server, cfg, changes, apply) {
    mssSet(server, "hostname", cfg.host, changes, "imap", apply);
    mssSet(server, "port", cfg.port, changes, "imap", apply);
    mssSet(server, "socketType", cfg.socketType, changes, "imap", apply);
    mssSet(server, "authMethod", cfg.authMethod, changes, "imap", apply);
  }

  function mssFindSmtp(MS, cfg, email) {
    try {
      const s = MS.outgoingServer.findServer(cfg.username || email, cfg.host, "smtp");
      return s ? mssAsSmtp(s) : null;
    } catch (e) {
      return null;
    }
  }

  function mssCreateSmtp(MS, cfg, email) {
    const smtp = mssAsSmtp(MS.outgoingServer.createServer("smtp"));
    mssConfigureSmtp(smtp, cfg, email, [], true);
    smtp.description = "MSSanté";
    return smtp;
  }

  /** Sent, Drafts and Templates on the account's server, for an identity that has none. */
  function mssSetFolders(identity, server, changes, apply) {
    const base = server.serverURI + "/";
    for (const [prop, name] of [
      ["fccFolderURI", "Sent"],
      ["draftsFolderURI", "Drafts"],
      ["templatesFolderURI", "Templates"],
    ]) {
      if (!identity[prop]) mssSet(identity, prop, base + name, changes, "identity", apply);
    }
  }

  function mssSavePrefs() {
    try {
      Services.prefs.savePrefFile(null);
    } catch (e) {
      /* saved at shutdown anyway */
    }
  }

  function mssValidRequest(req) {
    if (!req || !mssValidEmail(req.email)) return mssFail("invalid-request", "invalid e-mail address");
    if (typeof req.realName !== "string" || req.realName.length > 200) return mssFail("invalid-request", "invalid name");
    if (!mssValidServer(req.imap) || !mssValidServer(req.smtp)) return mssFail("invalid-request", "invalid server settings");
    return null;
  }

  /** The account already there for this address: by identity address, else by its IMAP server. */
  function mssFindExisting(MS, req) {
    const byEmail = mssFindAccountByEmail(MS, req.email);
    if (byEmail) return { account: byEmail.account, identity: byEmail.identity, matchedBy: "email" };
    const server = MS.accounts.findServer(req.imap.username || req.email, req.imap.host, "imap");
    const account = server ? MS.accounts.findAccountForServer(server) : null;
    if (account) return { account, identity: account.defaultIdentity || mssIdentities(account)[0] || null, matchedBy: "imap-server" };
    return null;
  }

  /**
   * What bringing `found` to the request changes, as {field, from, to}; made only when `apply`.
   * Nothing is changed that is not listed: the identity's address (an account found by its IMAP
   * server may have another one), its name, the servers' settings, an SMTP server created.
   */
  function mssRepair(MS, found, req, apply) {
    const { account } = found;
    const server = account.incomingServer;
    const email = req.email;
    const changes = [];
    mssConfigureImap(server, req.imap, changes, apply);
    let identity = found.identity;
    if (!identity) {
      changes.push({ field: "identity.created", from: null, to: email });
      // A dry run compares against an empty identity: what a new one would get.
      identity = apply ? MS.accounts.createIdentity() : {};
      if (apply) account.addIdentity(identity);
    }
    mssSet(identity, "email", email, changes, "identity", apply);
    if (req.realName) mssSet(identity, "fullName", req.realName, changes, "identity", apply);
    let smtp = mssFindSmtp(MS, req.smtp, email);
    if (smtp) {
      mssConfigureSmtp(smtp, req.smtp, email, changes, apply);
    } else {
      changes.push({ field: "smtp.created", from: null, to: req.smtp.host + ":" + req.smtp.port });
      if (apply) smtp = mssCreateSmtp(MS, req.smtp, email);
    }
    if (!smtp || identity.smtpServerKey !== smtp.key) {
      const current = found.identity ? mssSmtpOf(MS, found.identity) : null;
      changes.push({ field: "identity.smtpServer", from: current ? current.hostname + ":" + current.port : null, to: req.smtp.host + ":" + req.smtp.port });
      if (apply) identity.smtpServerKey = smtp.key;
    }
    mssSetFolders(identity, server, changes, apply);
    return changes;
  }

  /** planAccount: the existing account for this address and what a repair would change; changes nothing. */
  function mssPlan(MS, req) {
    const invalid = mssValidRequest(req);
    if (invalid) return invalid;
    const found = mssFindExisting(MS, req);
    if (!found) return { ok: true, existing: null };
    const server = found.account.incomingServer;
    if (!server || server.type !== "imap") {
      return mssFail("existing-not-imap", "an account for this address exists and is not an IMAP account; remove it or change it by hand");
    }
    return {
      ok: true,
      existing: {
        accountId: found.account.key,
        matchedBy: found.matchedBy,
        email: found.identity ? mssShow(found.identity.email) : null,
        changes: mssRepair(MS, found, req, false),
      },
    };
  }

  /**
   * Creates the account, or leaves an existing one that already matches as it is ("unchanged").
   * An existing one that differs is repaired only when the request carries the user's confirmation
   * (`confirmedRepair`: that account, and every field planAccount reported); otherwise nothing is
   * touched and the answer is "repair-not-confirmed".
   */
  function mssCreateOrRepair(MS, req) {
    const invalid = mssValidRequest(req);
    if (invalid) return invalid;
    const email = req.email;
    const found = mssFindExisting(MS, req);

    if (found) {
      const { account } = found;
      const server = account.incomingServer;
      if (!server || server.type !== "imap") {
        return mssFail("existing-not-imap", "an account for this address exists and is not an IMAP account; remove it or change it by hand");
      }
      const planned = mssRepair(MS, found, req, false);
      if (!planned.length) return { ok: true, accountId: account.key, action: "unchanged", changes: [] };
      const c = req.confirmedRepair;
      const confirmed = !!c && c.accountId === account.key && Array.isArray(c.fields) && planned.every((p) => c.fields.includes(p.field));
      if (!confirmed) {
        return mssFail("repair-not-confirmed", "an account for this address exists and would be changed (" + planned.map((p) => p.field).join(", ") + "); nothing was changed without the user's confirmation");
      }
      const changes = mssRepair(MS, found, req, true);
      mssSavePrefs();
      return { ok: true, accountId: account.key, action: "repaired", changes };
    }

    // New account. The incoming server is attached last: setting it makes the account manager
    // refresh, and everything else must be in place by then.
    const changes = [];
    const server = MS.accounts.createIncomingServer(req.imap.username || email, req.imap.host, "imap");
    mssConfigureImap(server, req.imap, changes, true);
    let smtp = mssFindSmtp(MS, req.smtp, email);
    if (smtp) mssConfigureSmtp(smtp, req.smtp, email, changes, true);
    else smtp = mssCreateSmtp(MS, req.smtp, email);
    const identity = MS.accounts.createIdentity();
    identity.fullName = req.realName;
    identity.email = email;
    identity.smtpServerKey = smtp.key;
    identity.valid = true;
    mssSetFolders(identity, server, [], true);
    const account = MS.accounts.createAccount();
    account.addIdentity(identity);
    account.incomingServer = server;
    mssSavePrefs();
    return { ok: true, accountId: account.key, action: "created", changes: [{ field: "account.created", from: null, to: email }].concat(changes) };
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
      // Thunderbird 153's signature only: (host, originAttributes, clientCert, duration). Older
      // signatures took the certificate elsewhere; guessing them could pass null as the client
      // certificate, which remembers "send no certificate" for the mail host.
      try {
        svc.rememberDecisionScriptable(host, {}, cert, permanent);
      } catch (e) {
        return mssFail(
          "remember-failed",
          "could not remember the card's certificate for " + host + " (this Thunderbird's client-certificate memory differs from Thunderbird 153's)" +
            (remembered.length ? "; already remembered for " + remembered.join(", ") : ""),
          e,
        );
      }
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

  /**
   * Sets one reason for keeping the account's checks off (MSS_PAUSED or MSS_HELD). The user's own
   * doBiff / loginAtStartUp are saved when the first reason appears and restored when the last one
   * goes, so resuming after the card returns does not restart an account whose logon is unverified.
   */
  function mssSetCheckFlag(MS, accountId, pref, on) {
    const account = mssGetAccount(MS, accountId);
    if (!account || !account.incomingServer) return mssFail("unknown-account", "no such account");
    const server = account.incomingServer;
    const off = () => mssFlag(server, MSS_PAUSED) || mssFlag(server, MSS_HELD);
    const wasOff = off();
    if (on && !wasOff) {
      server.setBoolValue("mss_prev_doBiff", !!server.doBiff);
      server.setBoolValue("mss_prev_loginAtStartUp", !!server.loginAtStartUp);
      server.doBiff = false;
      server.loginAtStartUp = false;
    }
    if (mssFlag(server, pref) !== on) server.setBoolValue(pref, on);
    if (on && !wasOff) {
      try {
        server.closeCachedConnections();
      } catch (e) {
        /* no open connection */
      }
    } else if (wasOff && !off()) {
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
    }
    return { ok: true, paused: mssFlag(server, MSS_PAUSED), held: mssFlag(server, MSS_HELD) };
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
          planAccount(request) {
            return mssGuarded("account-failed", () => mssPlan(mssMailServices(), request));
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
            return mssGuarded("pause-failed", () => mssSetCheckFlag(mssMailServices(), accountId, MSS_PAUSED, paused));
          },
          holdChecks(accountId, held) {
            return mssGuarded("hold-failed", () => mssSetCheckFlag(mssMailServices(), accountId, MSS_HELD, held));
          },
        },
      };
    }
  };

  // Exposed for the unit tests, which load this file in a sandbox with fake Thunderbird objects.
  api.forTests = { mssClassifyLogonStatus, mssPemToBase64, mssNormFingerprint, mssCreateOrRepair, mssPlan, mssSetCheckFlag };
  return api;
})();
