/**
 * What Thunderbird 153 sends as the SASL EXTERNAL authorisation id for each IMAP user name a card
 * login can be given (the mailbox address, the card's idNat, nothing), and what each kind of
 * Dovecot answers: ours with a master passdb (the address accepted for its holder) and a standard
 * one that takes the user from the certificate and has no master passdb. Read from Thunderbird's
 * own IMAP log (MOZ_LOG=IMAP:5) and Dovecot's auth_debug; docs/extension.md keeps the table.
 * No extension, no bridge: accounts made by hand, as in thunderbird-card-login.test.ts.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingComponents } from "../harness/require-component.ts";
import { createTestPki, type TestPki } from "../../bridge/demo/pki.ts";
import { createSoftHsmToken, type SoftHsmToken } from "../../bridge/demo/softhsm.ts";
import { startDovecot, type Dovecot } from "../harness/dovecot.ts";
import { startThunderbird, type Thunderbird } from "../harness/thunderbird.ts";
import { verifyLogon } from "./support/chrome.ts";

const reason = missingComponents("e2e login names", [
  "thunderbird",
  "dovecot",
  "softhsm2-util",
  "pkcs11-tool",
  "certutil",
  "modutil",
  "root",
]);
const HOST = "imap.cert.mssante.test";
const ADDRESS = "jean.dupont@mssante.test";

interface Attempt {
  created: boolean;
  createError?: string;
  username?: string;
  ok?: boolean;
  status?: number;
  /** The AUTHENTICATE line Thunderbird wrote (its IMAP log). */
  sent: string[];
  /** Dovecot's lines about this login (auth debug, Login, auth failed). */
  server: string[];
  /** Alerts and dialogs Thunderbird showed meanwhile. */
  prompts: string[];
}

describe.skipIf(reason)("the EXTERNAL authorisation id Thunderbird sends, per IMAP user name, against both kinds of Dovecot", () => {
  let pki: TestPki;
  let token: SoftHsmToken;
  let authorised: Dovecot;
  let standard: Dovecot;
  let tb: Thunderbird;
  let imapLogDir = "";
  const idNat = () => pki.doctorHolder.idNat;

  beforeAll(async () => {
    pki = await createTestPki({ serverNames: [HOST, "localhost"] });
    token = await createSoftHsmToken({ pki });
    const common = {
      serverCertFile: pki.server.certPem,
      serverKeyFile: pki.server.keyPem,
      clientCaFile: pki.ca.certPem,
      mailboxes: [{ address: ADDRESS, logins: [pki.doctorHolder.idNat] }],
      debug: true,
    };
    authorised = await startDovecot({ ...common, loginNames: "authorised" });
    standard = await startDovecot({ ...common, loginNames: "certificate-only" });
    imapLogDir = path.join(authorised.dir, "tb-imap-log");
    mkdirSync(imapLogDir, { recursive: true });
    tb = await startThunderbird({
      trustedCaFiles: [pki.ca.certPem],
      pkcs11Modules: { "CPS test token": token.modulePath },
      env: { ...token.env, MOZ_LOG: "IMAP:5,timestamp,sync", MOZ_LOG_FILE: path.join(imapLogDir, "imap") },
      localDomains: [HOST],
      pin: token.pin,
      prefs: { "security.default_personal_cert": "Select Automatically" },
    });
  });

  afterAll(async () => {
    await tb?.stop();
    await standard?.stop();
    await authorised?.stop();
    await token?.cleanup();
    await pki?.cleanup();
  });

  const imapLog = (): string =>
    existsSync(imapLogDir)
      ? readdirSync(imapLogDir)
          .map((f) => readFileSync(path.join(imapLogDir, f), "utf8"))
          .join("\n")
      : "";

  /** Creates an account with this user name on that server, checks the logon, removes the account. */
  async function attempt(dovecot: Dovecot, username: string): Promise<Attempt> {
    const mark = dovecot.logMark();
    const started = Date.now();
    const promptsBefore = (await tb.driver.prompts()).events.length;
    const made = await tb.driver.chrome<{ key?: string; username?: string; error?: string }>(
      `
      let server;
      try {
        server = MailServices.accounts.createIncomingServer(args.username, args.host, "imap");
      } catch (e) {
        return { error: String(e && e.message || e) };
      }
      server.port = args.port;
      server.socketType = 2;
      server.authMethod = 7;
      const identity = MailServices.accounts.createIdentity();
      identity.email = args.email;
      const account = MailServices.accounts.createAccount();
      account.addIdentity(identity);
      account.incomingServer = server;
      return { key: account.key, username: server.username };
    `,
      { username, host: HOST, port: dovecot.imapPort, email: ADDRESS },
    );
    if (!made.key) return { created: false, createError: made.error ?? "no account", sent: [], server: [], prompts: [] };
    const r = await verifyLogon(tb.driver, made.key, 30_000);
    await new Promise((res) => setTimeout(res, 500));
    await tb.driver.chrome(
      `
      const account = MailServices.accounts.getAccount(args.key);
      try { account.incomingServer.closeCachedConnections(); } catch {}
      MailServices.accounts.removeAccount(account, true);
      return true;`,
      { key: made.key },
    );
    // Thunderbird's own IMAP log, from this attempt on: its authentication lines only.
    const sent = imapLog()
      .split("\n")
      .filter((l) => {
        const at = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\d* UTC/.exec(l);
        return !!at && Date.parse(`${at[1]!.replace(" ", "T")}Z`) >= started - 50;
      })
      .filter((l) => /authenticate EXTERNAL|login failed entirely|login succeeded/.test(l))
      .map((l) =>
        l
          .replace(/^.*SendData: /, "")
          .replace(/^.* - \[Parent \d+: IMAP\]: \w\/IMAP /, "")
          .trim(),
      );
    const server = dovecot
      .log()
      .slice(mark)
      .split("\n")
      .filter((l) => /client in: AUTH|Master user|master passdbs|Login: |auth failed|no auth attempts/.test(l))
      .map((l) => l.replace(/^\w{3} \d\d \d\d:\d\d:\d\d /, "").replace(/\t(lip|rip|lport|rport|session)=[^\t]*/g, ""));
    const prompts = (await tb.driver.prompts()).events.slice(promptsBefore).map((e) => `${e.kind}: ${e.text ?? e.url ?? ""}`);
    return { created: true, username: made.username, ok: r.ok, status: r.status, sent, server, prompts };
  }

  it("address: sends it as authorisation id; the authorised server logs the mailbox in, the standard one refuses", async () => {
    const b64 = Buffer.from(ADDRESS).toString("base64");
    const a = await attempt(authorised, ADDRESS);
    console.log(`[e2e] login name = address, authorised Dovecot:\n${JSON.stringify(a, null, 2)}`);
    expect(a).toMatchObject({ created: true, ok: true });
    expect(a.sent.join("\n")).toMatch(new RegExp(`authenticate EXTERNAL ${b64}`));
    expect(a.server.join("\n")).toMatch(new RegExp(`Login: user=<${ADDRESS}>, method=EXTERNAL, cert_user=<${idNat()}>`));

    const s = await attempt(standard, ADDRESS);
    console.log(`[e2e] login name = address, standard Dovecot:\n${JSON.stringify(s, null, 2)}`);
    expect(s).toMatchObject({ created: true, ok: false, status: 0x80004005 });
    expect(s.sent.join("\n")).toMatch(new RegExp(`authenticate EXTERNAL ${b64}`));
    expect(s.server.join("\n")).toMatch(/Master user login attempted without master passdbs/);
    expect(s.server.join("\n")).toMatch(/auth failed, 1 attempts/);
  });

  it("idNat: sends it as authorisation id; both servers log the card's holder in", async () => {
    const b64 = Buffer.from(idNat()).toString("base64");
    for (const dovecot of [authorised, standard]) {
      const r = await attempt(dovecot, idNat());
      console.log(`[e2e] login name = idNat, ${dovecot === standard ? "standard" : "authorised"} Dovecot:\n${JSON.stringify(r, null, 2)}`);
      expect(r).toMatchObject({ created: true, ok: true });
      expect(r.sent.join("\n")).toMatch(new RegExp(`authenticate EXTERNAL ${b64}`));
      expect(r.server.join("\n")).toMatch(new RegExp(`Login: user=<${idNat()}>, method=EXTERNAL`));
    }
  });

  it("no user name: the server can be created, but Thunderbird sends no AUTHENTICATE at all", async () => {
    for (const dovecot of [authorised, standard]) {
      const r = await attempt(dovecot, "");
      console.log(`[e2e] login name = none, ${dovecot === standard ? "standard" : "authorised"} Dovecot:\n${JSON.stringify(r, null, 2)}`);
      expect(r).toMatchObject({ created: true, username: "", ok: false });
      expect(r.sent.join("\n")).not.toMatch(/authenticate EXTERNAL/);
      expect(r.sent.join("\n")).toMatch(/login failed entirely/);
      expect(r.server.join("\n")).toMatch(/no auth attempts/);
    }
  });
});
