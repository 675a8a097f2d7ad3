/**
 * The private "certificate front" (Dovecot IMAP + Postfix submission) behaves like the MSSanté
 * client interface before any Thunderbird is involved: a card certificate from the test CA logs in
 * with SASL EXTERNAL and can submit; a foreign CA's certificate, no certificate, or TLS 1.3 do not.
 * Uses a software copy of the card key (Node's TLS); the card itself is Thunderbird's job.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingComponents } from "../harness/require-component.ts";
import type { TestPki } from "../../bridge/demo/pki.ts";
import { startCardMailServers, type CardMailServers } from "../harness/card-mail-servers.ts";
import type { Dovecot } from "../harness/dovecot.ts";
import type { Postfix } from "../harness/postfix.ts";
import { imapExternalLogin, smtpSend } from "./support/starttls.ts";

const reason = missingComponents("e2e mail servers", ["dovecot", "postfix", "postmap", "openssl", "root"]);
const HOST = "imap.cert.mssante.test";
const DOCTOR = "jean.dupont@mssante.test";
const COLLEAGUE = "helene.lefevre-moreau@mssante.test";

describe.skipIf(reason)("certificate front: Dovecot IMAP + Postfix submission", () => {
  let servers: CardMailServers | undefined;
  let pki: TestPki;
  let dovecot: Dovecot;
  let postfix: Postfix;
  let ca: Buffer;
  const card = () => ({ certPem: readFileSync(pki.doctor.certPem), keyPem: readFileSync(pki.doctor.keyPem) });
  const foreign = () => ({ certPem: readFileSync(pki.foreign.certPem), keyPem: readFileSync(pki.foreign.keyPem) });

  beforeAll(async () => {
    servers = await startCardMailServers({
      serverNames: [HOST, "smtp.cert.mssante.test", "localhost"],
      doctor: DOCTOR,
      colleague: COLLEAGUE,
    });
    ({ pki, ca, dovecot, postfix } = servers);
  });
  afterAll(async () => {
    await servers?.stop();
  });

  it("logs the card's idNat in with SASL EXTERNAL over TLS 1.2 and lists INBOX", async () => {
    const mark = dovecot.logMark();
    const r = await imapExternalLogin({ port: dovecot.imapPort, ca, servername: HOST, identity: card() });
    expect(r.auth).toMatch(/^a1 OK .*Logged in/);
    expect(r.mailboxes).toContain("INBOX");
    expect(r.tlsVersion).toBe("TLSv1.2"); // the server is capped even though the client offers 1.3
    await dovecot.waitForLog(/Login: user=<810001234567>, method=EXTERNAL/, 5_000, mark);
  });

  it("opens the mailbox named as SASL authorisation id when the card's holder is authorised for it", async () => {
    const mark = dovecot.logMark();
    const r = await imapExternalLogin({ port: dovecot.imapPort, ca, servername: HOST, identity: card(), authzid: DOCTOR });
    expect(r.auth).toMatch(/^a1 OK .*Logged in/);
    await dovecot.waitForLog(new RegExp(`Login: user=<${DOCTOR}>, method=EXTERNAL, cert_user=<810001234567>`), 5_000, mark);
    const other = await imapExternalLogin({ port: dovecot.imapPort, ca, servername: HOST, identity: card(), authzid: COLLEAGUE });
    expect(other.auth).toMatch(/^a1 NO /);
  });

  it("refuses a certificate from a foreign CA at login", async () => {
    const r = await imapExternalLogin({ port: dovecot.imapPort, ca, servername: HOST, identity: foreign() });
    expect(r.auth).toMatch(/^a1 NO .*valid SSL certificate/);
    expect(r.mailboxes).toEqual([]);
  });

  it("refuses a login without a client certificate", async () => {
    const r = await imapExternalLogin({ port: dovecot.imapPort, ca, servername: HOST });
    expect(r.auth).toMatch(/^a1 NO /);
  });

  it("does not negotiate TLS 1.3 (a PSS-less card cannot authenticate under it)", async () => {
    const mark = dovecot.logMark();
    const onlyTls13 = imapExternalLogin({ port: dovecot.imapPort, ca, servername: HOST, identity: card(), minVersion: "TLSv1.3" });
    await expect(onlyTls13).rejects.toThrow(/secure TLS connection|protocol version|alert/i);
    await dovecot.waitForLog(/Disconnected: .*SSL_accept\(\)/, 5_000, mark);
  });

  it("accepts a submission authorised by the card's certificate and delivers it into the IMAP store", async () => {
    const marker = `marker-${Date.now()}`;
    const r = await smtpSend({
      port: postfix.submissionPort,
      ca,
      servername: "smtp.cert.mssante.test",
      identity: card(),
      from: DOCTOR,
      to: COLLEAGUE,
      body: marker,
    });
    expect(r.accepted).toBe(true);
    const msg = await dovecot.waitForMessage(COLLEAGUE, marker);
    expect(msg).toContain(`From: <${DOCTOR}>`);
    expect(postfix.log()).toMatch(/Trusted TLS connection established .*TLSv1\.2/);
  });

  it("refuses a submission with a foreign CA's certificate or with none", async () => {
    for (const identity of [foreign(), undefined]) {
      const r = await smtpSend({
        port: postfix.submissionPort,
        ca,
        servername: "smtp.cert.mssante.test",
        identity,
        from: DOCTOR,
        to: COLLEAGUE,
        body: "x",
      });
      expect(r.accepted).toBe(false);
      expect(r.replies.join("\n")).toMatch(/554 5\.7\.1 .*Access denied/);
    }
  });
});
