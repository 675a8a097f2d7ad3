/**
 * The harness on its own (no extension, no bridge): a real headless Thunderbird 153 with an IMAP
 * account made by hand (authMethod 7, STARTTLS) logs in to the private Dovecot with the SoftHSM
 * token's key. Proves the pieces every other end-to-end test stands on: private HOME and profile,
 * test CA trusted in NSS, the driver answering NSS's PIN prompt, the server host mapped by
 * network.dns.localDomains, TLS 1.2 with a PSS-less token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingComponents } from "../harness/require-component.ts";
import { createTestPki, type TestPki } from "../../bridge/demo/pki.ts";
import { createSoftHsmToken, type SoftHsmToken } from "../../bridge/demo/softhsm.ts";
import { startDovecot, type Dovecot } from "../harness/dovecot.ts";
import { startThunderbird, type Thunderbird } from "../harness/thunderbird.ts";
import { createImapAccount, folderSubjects, listAccounts, verifyLogon } from "./support/chrome.ts";

const reason = missingComponents("e2e Thunderbird card login", [
  "thunderbird",
  "dovecot",
  "softhsm2-util",
  "pkcs11-tool",
  "certutil",
  "modutil",
  "root",
]);
const HOST = "imap.cert.mssante.test";

describe.skipIf(reason)("Thunderbird logs in to IMAP with the SoftHSM card key (harness milestone)", () => {
  const started = Date.now();
  let pki: TestPki;
  let token: SoftHsmToken;
  let dovecot: Dovecot;
  let tb: Thunderbird;

  beforeAll(async () => {
    pki = await createTestPki({ serverNames: [HOST, "localhost"] });
    token = await createSoftHsmToken({ pki });
    dovecot = await startDovecot({
      serverCertFile: pki.server.certPem,
      serverKeyFile: pki.server.keyPem,
      clientCaFile: pki.ca.certPem,
      mailboxes: [{ address: "jean.dupont@mssante.test", logins: [pki.doctorHolder.idNat] }],
    });
    tb = await startThunderbird({
      trustedCaFiles: [pki.ca.certPem],
      pkcs11Modules: { "CPS test token": token.modulePath },
      env: token.env,
      localDomains: [HOST],
      pin: token.pin,
      // The extension remembers the card per host; this manual account relies on the global choice.
      prefs: { "security.default_personal_cert": "Select Automatically" },
    });
  });

  afterAll(async () => {
    await tb?.stop();
    await dovecot?.stop();
    await token?.cleanup();
    await pki?.cleanup();
    console.log(`[e2e] harness milestone: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it("runs with a private HOME and the driver connected", async () => {
    const home = await tb.driver.chrome<string>(`return Services.env.get("HOME");`);
    expect(home).toBe(tb.home);
    const modules = await tb.driver.chrome<string[]>(`
      const db = Cc["@mozilla.org/security/pkcs11moduledb;1"].getService(Ci.nsIPKCS11ModuleDB);
      const names = [];
      for (const m of await db.listModules()) names.push(m.name);
      return names;
    `);
    expect(modules).toContain("CPS test token");
  });

  it("logs in with SASL EXTERNAL using the token's certificate after NSS asked for the PIN", async () => {
    const mark = dovecot.logMark();
    const account = await createImapAccount(tb.driver, {
      username: pki.doctorHolder.idNat,
      host: HOST,
      port: dovecot.imapPort,
      socketType: 2,
      authMethod: 7,
      email: "jean.dupont@mssante.test",
      fullName: "Jean Dupont",
    });
    const { accounts } = await listAccounts(tb.driver);
    expect(accounts.find((a) => a.key === account.key)?.incoming).toMatchObject({ hostname: HOST, authMethod: 7, socketType: 2 });

    const r = await verifyLogon(tb.driver, account.key);
    expect(r, JSON.stringify(await tb.driver.prompts())).toMatchObject({ ok: true });
    await dovecot.waitForLog(/Login: user=<810001234567>, method=EXTERNAL/, 10_000, mark);
    const prompts = await tb.driver.prompts();
    expect(prompts.pinPrompts).toBeGreaterThanOrEqual(1);
    expect(prompts.events.some((e) => e.kind === "window" && /clientauthask/.test(String(e.url)))).toBe(false);

    // INBOX is fetched over the card-authenticated session: a message delivered beforehand shows up.
    await dovecot.deliver("jean.dupont@mssante.test", "accueil@mssante.test", "Bienvenue sur votre messagerie", "Bonjour.");
    const inbox = await folderSubjects(tb.driver, account.key, { waitForSubject: "Bienvenue sur votre messagerie", timeoutMs: 15_000 });
    expect(inbox.folders).toContain("INBOX");
    expect(inbox.subjects).toContain("Bienvenue sur votre messagerie");
  });
});
