/**
 * The Pro Santé Connect front's mail servers (Référentiel #2 ECO.1.2.1: TLS, then SASL XOAUTH2 with a
 * PSC access token), checked with raw IMAP and SMTP clients before any Thunderbird: a Dovecot whose
 * `oauth2` passdb introspects each token at the test PSC (test/harness/oidc-provider.ts), and a
 * Postfix submission server authenticating through that Dovecot's SASL. The tokens come from a real
 * code + PKCE flow signed in with the test card's certificate. The SASL user is the idNat, the claim
 * Dovecot compares (`preferred_username`, test/harness/dovecot.ts says why); a wrong user, an expired
 * token, a token of a revoked session are refused. No token is printed.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPki, type TestPki } from "../../bridge/demo/pki.ts";
import { startDovecot, type Dovecot } from "../harness/dovecot.ts";
import { imapOAuthLogin, smtpOAuthSend } from "../harness/oauth-sasl-client.ts";
import { exchangeCode, signIn, tokenRequest } from "../harness/oidc-client.ts";
import { startPscProvider, type PscProvider } from "../harness/oidc-provider.ts";
import { startPostfix, type Postfix } from "../harness/postfix.ts";
import { missingComponents } from "../harness/require-component.ts";

const reason = missingComponents("PSC mail front", ["dovecot", "postfix", "postmap", "openssl", "root"]);
const IMAP_HOST = "imap.psc.mssante.test";
const SMTP_HOST = "smtp.psc.mssante.test";
const ADDRESS = "jean.dupont@mssante.test";
const COLLEAGUE = "marie.curie@mssante.test";

describe.skipIf(reason)("the PSC front: Dovecot and Postfix take XOAUTH2 with a PSC access token", () => {
  let pki: TestPki;
  let psc: PscProvider;
  let dovecot: Dovecot;
  let postfix: Postfix;
  let ca: Buffer;
  const idNat = () => pki.doctorHolder.idNat;
  const card = () => ({ certPem: pki.doctor.certPem, keyPem: pki.doctor.keyPem });
  const tokens = async () => {
    const t = await exchangeCode(psc, ca, await signIn(psc, { ca, card: card() }));
    if (t.status !== 200) throw new Error(`token endpoint answered ${t.status}`);
    return { access: t.json.access_token as string, refresh: t.json.refresh_token as string };
  };
  const imap = (token: string, user = idNat(), mechanism: "XOAUTH2" | "OAUTHBEARER" = "XOAUTH2") =>
    imapOAuthLogin({ port: dovecot.imapPort, ca, servername: IMAP_HOST, user, token, mechanism });

  beforeAll(async () => {
    pki = await createTestPki({ serverNames: [IMAP_HOST, SMTP_HOST, "localhost"] });
    ca = readFileSync(pki.ca.certPem);
    psc = await startPscProvider({ pki });
    dovecot = await startDovecot({
      serverCertFile: pki.server.certPem,
      serverKeyFile: pki.server.keyPem,
      mailboxes: [
        { address: ADDRESS, logins: [idNat()] },
        { address: COLLEAGUE, logins: [] },
      ],
      oauth2: {
        introspectionUrl: psc.introspection.url,
        clientId: psc.introspection.clientId,
        clientSecret: psc.introspection.clientSecret,
        caFile: pki.ca.certPem,
      },
    });
    postfix = await startPostfix({
      serverCertFile: pki.server.certPem,
      serverKeyFile: pki.server.keyPem,
      clientCaFile: pki.ca.certPem,
      allowedClientCerts: [],
      lmtpPort: dovecot.lmtpPort,
      hostname: SMTP_HOST,
      dovecotSasl: { port: dovecot.saslPort!, senders: [{ address: ADDRESS, logins: [idNat()] }] },
    });
  });
  afterAll(async () => {
    await postfix?.stop();
    await dovecot?.stop();
    await psc?.stop();
    await pki?.cleanup();
  });

  it("IMAP offers XOAUTH2 and OAUTHBEARER after STARTTLS; the card holder's token logs in with the idNat", async () => {
    const { access } = await tokens();
    let mark = dovecot.logMark();
    const r = await imap(access);
    expect(r.capabilities).toEqual(expect.arrayContaining(["AUTH=XOAUTH2", "AUTH=OAUTHBEARER"]));
    expect(r.capabilities).not.toContain("AUTH=EXTERNAL");
    expect(r.auth).toMatch(/^a1 OK .*Logged in/);
    expect(r.mailboxes).toEqual(expect.arrayContaining(["INBOX", "Sent"]));
    await dovecot.waitForLog(new RegExp(`Login: user=<${idNat()}>, method=XOAUTH2`), 5_000, mark);

    mark = dovecot.logMark();
    expect((await imap(access, idNat(), "OAUTHBEARER")).auth).toMatch(/^a1 OK .*Logged in/);
    await dovecot.waitForLog(new RegExp(`Login: user=<${idNat()}>, method=OAUTHBEARER`), 5_000, mark);
    // The token never reaches the log.
    expect(dovecot.log().includes(access)).toBe(false);
  });

  it("a user= other than the token's claim is refused: the address, another idNat", async () => {
    const { access } = await tokens();
    for (const user of [ADDRESS, "810009999999"]) {
      const r = await imap(access, user);
      expect(r.auth, user).toMatch(/^a1 NO /);
      expect(r.mailboxes).toEqual([]);
    }
    const r = await imap("not-a-token");
    expect(r.auth).toMatch(/^a1 NO /);
    expect(r.challenge).toMatchObject({ status: "401" });
  });

  it("submission: AUTH XOAUTH2 through Dovecot's SASL, the message delivered; no AUTH or a wrong sender refused", async () => {
    const { access } = await tokens();
    const subject = `PSC submission ${Date.now()}`;
    const mark = postfix.logMark();
    const sent = await smtpOAuthSend({
      port: postfix.submissionPort,
      ca,
      servername: SMTP_HOST,
      user: idNat(),
      token: access,
      from: ADDRESS,
      to: COLLEAGUE,
      subject,
      body: "Bonjour.",
    });
    expect(sent.authLine).toMatch(/XOAUTH2/);
    expect(sent.auth).toMatch(/^235 /);
    expect(sent.accepted).toBe(true);
    await postfix.waitForLog(new RegExp(`sasl_method=XOAUTH2, sasl_username=${idNat()}`), 10_000, mark);
    const delivered = await dovecot.waitForMessage(COLLEAGUE, `Subject: ${subject}`);
    expect(delivered).toContain(`From: <${ADDRESS}>`);

    // The same login may not send as somebody else's address.
    const spoof = await smtpOAuthSend({
      port: postfix.submissionPort,
      ca,
      servername: SMTP_HOST,
      user: idNat(),
      token: access,
      from: COLLEAGUE,
      to: ADDRESS,
      subject: "spoof",
      body: "x",
    });
    expect(spoof.accepted).toBe(false);
    expect(spoof.replies.join(" ")).toMatch(/553 .*not owned by user/);

    // A bad token: AUTH refused, nothing relayed.
    const bad = await smtpOAuthSend({
      port: postfix.submissionPort,
      ca,
      servername: SMTP_HOST,
      user: idNat(),
      token: "not-a-token",
      from: ADDRESS,
      to: COLLEAGUE,
      subject: "bad",
      body: "x",
    });
    expect(bad.auth).toMatch(/^535 /);
    expect(bad.accepted).toBe(false);
  });

  it("an expired access token (3 s) is refused, the refreshed one works; after revocation the refresh is refused", async () => {
    psc.setAccessTokenTtl(3);
    try {
      const t = await tokens();
      expect((await imap(t.access)).auth).toMatch(/^a1 OK /);
      await new Promise((r) => setTimeout(r, 4_000));
      const expired = await imap(t.access);
      expect(expired.auth).toMatch(/^a1 NO /);

      const refreshed = await tokenRequest(psc, ca, { grant_type: "refresh_token", refresh_token: t.refresh });
      expect(refreshed.status).toBe(200);
      expect((await imap(refreshed.json.access_token as string)).auth).toMatch(/^a1 OK /);

      // PSC ends the session: the refresh token is refused, and so is the access token.
      expect(await psc.revokeAccount(idNat())).toBeGreaterThan(0);
      const refused = await tokenRequest(psc, ca, {
        grant_type: "refresh_token",
        refresh_token: (refreshed.json.refresh_token as string) ?? t.refresh,
      });
      expect(refused.status).toBe(400);
      expect(refused.json.error).toBe("invalid_grant");
      expect((await imap(refreshed.json.access_token as string)).auth).toMatch(/^a1 NO /);
    } finally {
      psc.setAccessTokenTtl(45);
    }
  });
});
