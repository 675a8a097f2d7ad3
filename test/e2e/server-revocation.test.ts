/**
 * Référentiel #2 ECO.1.1.5–1.1.7: the client checks the revocation of the mail server's
 * certificate. A real Thunderbird 153 logs in with the card to a Dovecot whose certificate, from
 * the test "IGC-Santé" CA, names an OCSP responder in its Authority Information Access, as
 * IGC-Santé's server certificates do. The responder is `openssl ocsp` over an `openssl ca` index
 * (bridge/demo/pki.ts, test/harness/ocsp-responder.ts); its log shows every request it answered.
 *
 * The logon check is the extension's own Experiment code (the mssAccounts bundle the .xpi ships,
 * built from its sources and run in Thunderbird's parent process), so the failure cause asserted
 * here is the one the setup page turns into its message. The last cases record which preferences
 * decide the check (see docs/domain/thunderbird.md, "Server certificate revocation").
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPki, type IssuedCert, type TestPki } from "../../bridge/demo/pki.ts";
import { createSoftHsmToken, type SoftHsmToken } from "../../bridge/demo/softhsm.ts";
import { bundleExperiment } from "../../scripts/build-experiment.mjs";
import { startDovecot, type Dovecot } from "../harness/dovecot.ts";
import { freePort } from "../harness/e2e-process.ts";
import { startOcspResponder, type OcspResponder } from "../harness/ocsp-responder.ts";
import { missingComponents } from "../harness/require-component.ts";
import { startThunderbird, type Thunderbird } from "../harness/thunderbird.ts";
import { createImapAccount, verifyLogon } from "./support/chrome.ts";

const reason = missingComponents("e2e server certificate revocation", [
  "thunderbird",
  "dovecot",
  "softhsm2-util",
  "pkcs11-tool",
  "certutil",
  "modutil",
  "openssl",
  "root",
]);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const HOST = "imap.cert.mssante.test";
const MAILBOX = "jean.dupont@mssante.test";
/** SEC_ERROR_REVOKED_CERTIFICATE (-8180) as the nsresult Thunderbird reports. */
const REVOKED_STATUS = 0x805a1ff4;

type LogonResult = { ok: true; verified: true } | { ok: false; code: string; message: string };

describe.skipIf(reason)("Thunderbird checks the mail server certificate's revocation (OCSP)", () => {
  let pki: TestPki;
  let server: IssuedCert;
  let ocsp: OcspResponder;
  let token: SoftHsmToken;
  let dovecot: Dovecot;
  let tb: Thunderbird;
  let accountKey: string;
  let experimentSource: string;
  /** Where the certificate's CRL Distribution Point leads: counts the requests (Gecko should make none). */
  let crlServer: http.Server;
  const crlRequests: string[] = [];
  const revokedAt = new Date(Date.now() - 3_600_000);

  /** The responder's answer about the server certificate, as its log prints it. */
  const answered = (status: "good" | "revoked") =>
    new RegExp(`Serial Number: ${server.serial.toUpperCase().padStart(24, "0")}\\s+Cert Status: ${status}`);

  /** The extension's logon check (mssAccounts.verifyLogon), run in Thunderbird from the bundle the .xpi ships. */
  const extensionVerifyLogon = () =>
    tb.driver.chrome<LogonResult>(
      `
      const sb = Cu.Sandbox(Services.scriptSecurityManager.getSystemPrincipal(), {
        sandboxName: "mssAccounts under test",
        wantComponents: true,
        wantGlobalProperties: ["ChromeUtils"],
      });
      sb.Services = Services;
      Cu.evalInSandbox(args.source, sb, "latest", "mssAccounts-implementation.js", 1);
      const api = new sb.mssAccounts({ once() {}, on() {} }).getAPI(null).mssAccounts;
      return await api.verifyLogon(args.accountKey, 60000);
    `,
      { source: experimentSource, accountKey },
      70_000,
    );

  /** No cached OCSP answer, IMAP connection or TLS session: the next logon verifies the certificate afresh. */
  const forgetTls = () =>
    tb.driver.chrome(
      `
      Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB).clearOCSPCache();
      Cc["@mozilla.org/psm;1"].getService(Ci.nsINSSComponent).clearSSLExternalAndInternalSessionCache();
      MailServices.accounts.getAccount(args.accountKey).incomingServer.closeCachedConnections();
      await new Promise((r) => setTimeout(r, 300));
      return true;
    `,
      { accountKey },
    );

  const setPref = (name: string, value: number | boolean) =>
    tb.driver.chrome(
      `typeof args.value === "number" ? Services.prefs.setIntPref(args.name, args.value) : Services.prefs.setBoolPref(args.name, args.value); return true;`,
      { name, value },
    );

  beforeAll(async () => {
    experimentSource = await bundleExperiment(path.join(REPO, "extension", "experiments", "mssAccounts"));
    pki = await createTestPki({ serverNames: [HOST, "localhost"] });
    const port = await freePort();
    crlServer = http.createServer((req, res) => {
      crlRequests.push(`${req.method} ${req.url}`);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => crlServer.listen(0, "127.0.0.1", resolve));
    const crlPort = (crlServer.address() as { port: number }).port;
    const material = await pki.ocspResponder("ocsp");
    server = await pki.issueServer("server-ocsp", [HOST], pki.ca, {
      ocspUrl: `http://127.0.0.1:${port}/`,
      crlUrl: `http://127.0.0.1:${crlPort}/igc-sante-test.crl`,
    });
    await material.writeIndex([{ cert: server, revokedAt }]);
    ocsp = await startOcspResponder(material, { port });
    token = await createSoftHsmToken({ pki });
    dovecot = await startDovecot({
      serverCertFile: server.certPem,
      serverKeyFile: server.keyPem,
      clientCaFile: pki.ca.certPem,
      mailboxes: [{ address: MAILBOX, logins: [pki.doctorHolder.idNat] }],
    });
    tb = await startThunderbird({
      trustedCaFiles: [pki.ca.certPem],
      pkcs11Modules: { "CPS test token": token.modulePath },
      env: token.env,
      localDomains: [HOST],
      pin: token.pin,
      // The extension remembers the card per host; this account made by hand relies on the global choice.
      prefs: { "security.default_personal_cert": "Select Automatically" },
    });
    const account = await createImapAccount(tb.driver, {
      username: pki.doctorHolder.idNat,
      host: HOST,
      port: dovecot.imapPort,
      socketType: 2,
      authMethod: 7,
      email: MAILBOX,
      fullName: "Jean Dupont",
    });
    accountKey = account.key;
  });

  afterAll(async () => {
    await tb?.stop();
    await dovecot?.stop();
    await ocsp?.stop();
    crlServer?.close();
    await token?.cleanup();
    await pki?.cleanup();
  });

  it("queries OCSP for every certificate by default, and soft-fails (Thunderbird 153's defaults)", async () => {
    const prefs = await tb.driver.chrome<Record<string, unknown>>(`
      const p = Services.prefs;
      return {
        "security.OCSP.enabled": p.getIntPref("security.OCSP.enabled"),
        "security.OCSP.require": p.getBoolPref("security.OCSP.require"),
        "security.OCSP.timeoutMilliseconds.soft": p.getIntPref("security.OCSP.timeoutMilliseconds.soft"),
        "security.ssl.enable_ocsp_stapling": p.getBoolPref("security.ssl.enable_ocsp_stapling"),
        "security.pki.crlite_mode": p.getIntPref("security.pki.crlite_mode"),
      };
    `);
    console.log(`[e2e] Thunderbird's revocation prefs: ${JSON.stringify(prefs)}`);
    // 1 = OCSP for every certificate with an AIA responder (2 would be EV only, 0 never).
    expect(prefs["security.OCSP.enabled"]).toBe(1);
    expect(prefs["security.OCSP.require"]).toBe(false);
  });

  it("refuses the login to a server whose certificate the responder says is revoked, and the extension says so", async () => {
    const ocspMark = ocsp.logMark();
    const dovecotMark = dovecot.logMark();

    // Thunderbird's own status: the NSS error of a revoked certificate.
    const raw = await verifyLogon(tb.driver, accountKey);
    expect(raw).toMatchObject({ ok: false, status: REVOKED_STATUS });
    await ocsp.waitForLog(answered("revoked"), 5_000, ocspMark);
    const asked = ocsp.log().slice(ocspMark);
    console.log(`[e2e] responder: ${asked.match(/Received request, 1st line: .*/)?.[0]} … ${asked.match(answered("revoked"))?.[0]}`);
    expect(asked).toMatch(/Received request, 1st line: POST \/ HTTP\/1\.1/);

    // The server saw the handshake end with Thunderbird's alert, and no login.
    await dovecot.waitForLog(/alert certificate revoked/, 5_000, dovecotMark);
    expect(dovecot.log().slice(dovecotMark)).not.toMatch(/Login: user=</);

    // The extension's logon check names the cause (the setup page's "failure_logon_server_cert_revoked").
    await forgetTls();
    const mark2 = ocsp.logMark();
    const r = await extensionVerifyLogon();
    expect(r).toEqual({
      ok: false,
      code: "server-cert-revoked",
      message: "the server's certificate is revoked (SEC_ERROR_REVOKED_CERTIFICATE)",
    });
    await ocsp.waitForLog(answered("revoked"), 5_000, mark2);
    const fr = JSON.parse(readFileSync(path.join(REPO, "extension", "_locales", "fr", "messages.json"), "utf8"));
    expect(fr.failure_logon_server_cert_revoked.message).toMatch(/^Le certificat du serveur de messagerie a été révoqué/);
    expect(fr.todo_logon_server_cert_revoked.message).toMatch(/opérateur/);

    // No exception was offered or stored: a revoked certificate is not overridable.
    const overridden = await tb.driver.chrome<boolean>(
      `
      const cert = Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB).constructX509FromBase64(args.der);
      const svc = Cc["@mozilla.org/security/certoverride;1"].getService(Ci.nsICertOverrideService);
      return svc.hasMatchingOverride(args.host, args.port, {}, cert, {});
    `,
      { der: readFileSync(server.certDer).toString("base64"), host: HOST, port: dovecot.imapPort },
    );
    expect(overridden).toBe(false);
    const windows = (await tb.driver.prompts()).events.filter((e) => e.kind === "window").map((e) => String(e.url));
    expect(windows.filter((u) => /exceptionDialog|certError/i.test(u))).toEqual([]);
    // The certificate's CRL Distribution Point was never fetched: Gecko does not use CRLs.
    expect(crlRequests).toEqual([]);
  });

  it("with security.OCSP.require, refuses the login when the responder cannot be reached", async () => {
    await ocsp.stop();
    await setPref("security.OCSP.require", true);
    try {
      await forgetTls();
      const raw = await verifyLogon(tb.driver, accountKey);
      const said = await tb.driver.chrome<string>(
        `return Cc["@mozilla.org/nss_errors_service;1"].getService(Ci.nsINSSErrorsService).getErrorMessage(args.status);`,
        { status: raw.status },
      );
      const r = await extensionVerifyLogon();
      console.log(`[e2e] responder down, OCSP required: status 0x${raw.status.toString(16)} ("${said}") → ${JSON.stringify(r)}`);
      expect(raw.ok).toBe(false);
      expect(r).toMatchObject({ ok: false, code: "server-cert-untrusted" });
    } finally {
      await setPref("security.OCSP.require", false);
      await ocsp.start();
    }
  });

  it("logs in once the responder says the same certificate is good (the check really happened)", async () => {
    await ocsp.setIndex([{ cert: server }]);
    await forgetTls();
    const ocspMark = ocsp.logMark();
    const dovecotMark = dovecot.logMark();
    const r = await extensionVerifyLogon();
    expect(r, `${ocsp.log().slice(ocspMark)}\n${dovecot.log().slice(dovecotMark)}`).toEqual({ ok: true, verified: true });
    await ocsp.waitForLog(answered("good"), 5_000, ocspMark);
    await dovecot.waitForLog(/Login: user=<.*method=EXTERNAL/, 10_000, dovecotMark);
  });

  it("soft-fails by default: with the responder unreachable, the login goes through", async () => {
    await ocsp.stop();
    try {
      await forgetTls();
      const dovecotMark = dovecot.logMark();
      const r = await extensionVerifyLogon();
      expect(r).toEqual({ ok: true, verified: true });
      await dovecot.waitForLog(/Login: user=<.*method=EXTERNAL/, 10_000, dovecotMark);
    } finally {
      await ocsp.start();
    }
  });

  it("checks nothing with security.OCSP.enabled = 0: the revoked certificate is then accepted", async () => {
    await ocsp.setIndex([{ cert: server, revokedAt }]);
    await setPref("security.OCSP.enabled", 0);
    try {
      await forgetTls();
      const ocspMark = ocsp.logMark();
      const r = await extensionVerifyLogon();
      expect(r).toEqual({ ok: true, verified: true });
      expect(ocsp.log().slice(ocspMark)).not.toMatch(/Received request/);
    } finally {
      await setPref("security.OCSP.enabled", 1);
    }
    // Back to the default: refused again.
    await forgetTls();
    expect(await extensionVerifyLogon()).toMatchObject({ ok: false, code: "server-cert-revoked" });
  });
});
