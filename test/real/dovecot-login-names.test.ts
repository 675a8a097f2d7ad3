/**
 * The two ways operators configure the certificate front's IMAP login, checked with a raw IMAP
 * client (STARTTLS, the card's certificate and a software copy of its key, AUTHENTICATE EXTERNAL)
 * before any Thunderbird: the harness's Dovecot with a master passdb accepts the mailbox address as
 * authorisation id for the card's holder; a standard Dovecot (user from the certificate, no master
 * passdb) refuses it and logs the card's holder in with the idNat or with no authorisation id.
 * docs/extension.md keeps the table; test/e2e/login-names.test.ts has what Thunderbird sends.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingComponents } from "../harness/require-component.ts";
import { createTestPki, type TestPki } from "../../bridge/demo/pki.ts";
import { startDovecot, type Dovecot } from "../harness/dovecot.ts";
import { imapExternalLogin } from "../e2e/support/starttls.ts";

const reason = missingComponents("Dovecot login names", ["dovecot", "openssl", "root"]);
const HOST = "imap.cert.mssante.test";
const ADDRESS = "jean.dupont@mssante.test";

describe.skipIf(reason)("SASL EXTERNAL authorisation ids against both kinds of Dovecot", () => {
  let pki: TestPki;
  let authorised: Dovecot;
  let standard: Dovecot;
  let ca: Buffer;
  const idNat = () => pki.doctorHolder.idNat;
  const card = () => ({ certPem: readFileSync(pki.doctor.certPem), keyPem: readFileSync(pki.doctor.keyPem) });
  const login = (dovecot: Dovecot, authzid?: string) =>
    imapExternalLogin({ port: dovecot.imapPort, ca, servername: HOST, identity: card(), ...(authzid ? { authzid } : {}) });

  beforeAll(async () => {
    pki = await createTestPki({ serverNames: [HOST, "localhost"] });
    ca = readFileSync(pki.ca.certPem);
    const common = {
      serverCertFile: pki.server.certPem,
      serverKeyFile: pki.server.keyPem,
      clientCaFile: pki.ca.certPem,
      mailboxes: [{ address: ADDRESS, logins: [pki.doctorHolder.idNat] }],
    };
    authorised = await startDovecot(common);
    standard = await startDovecot({ ...common, loginNames: "certificate-only" });
  });
  afterAll(async () => {
    await standard?.stop();
    await authorised?.stop();
    await pki?.cleanup();
  });

  it("the address: the server with a master passdb opens the mailbox; the standard one refuses it", async () => {
    let mark = authorised.logMark();
    expect((await login(authorised, ADDRESS)).auth).toMatch(/^a1 OK .*Logged in/);
    await authorised.waitForLog(new RegExp(`Login: user=<${ADDRESS}>, method=EXTERNAL, cert_user=<${idNat()}>`), 5_000, mark);

    mark = standard.logMark();
    const refused = await login(standard, ADDRESS);
    expect(refused.auth).toMatch(/^a1 NO /);
    expect(refused.mailboxes).toEqual([]);
    await standard.waitForLog(/Master user login attempted without master passdbs/, 5_000, mark);
  });

  it("the idNat, or no authorisation id: both servers log the card's holder in to the same mailbox", async () => {
    for (const dovecot of [authorised, standard]) {
      for (const authzid of [idNat(), undefined]) {
        const mark = dovecot.logMark();
        const r = await login(dovecot, authzid);
        expect(r.auth, `${dovecot === standard ? "standard" : "authorised"} / ${authzid ?? "none"}`).toMatch(/^a1 OK .*Logged in/);
        expect(r.mailboxes).toContain("INBOX");
        await dovecot.waitForLog(new RegExp(`Login: user=<${idNat()}>, method=EXTERNAL`), 5_000, mark);
      }
    }
    // The same store: a message delivered to the address is in the idNat's INBOX on the standard server.
    await standard.deliver(ADDRESS, "accueil@mssante.test", "Bienvenue", "Bonjour.");
    expect(standard.messages(ADDRESS).some((m) => m.includes("Subject: Bienvenue"))).toBe(true);
  });
});
