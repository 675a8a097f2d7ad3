/**
 * One click of the setup page against a mail server configured the other common way: a standard
 * Dovecot that takes the user from the card's certificate and has no master passdb, so it refuses
 * the mailbox address as SASL EXTERNAL authorisation id ("Master user login attempted without
 * master passdbs"). The setup logs in all the same: by the fallback (the address refused, the
 * card's idNat tried once and kept), or straight away when the operator policy says idNat.
 * provisioning.test.ts covers the server that accepts the address (a master passdb).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingComponents } from "../harness/require-component.ts";
import { DOCTOR, E2E_COMPONENTS, HOSTS, startE2EEnv, type E2EEnv } from "../harness/e2e-env.ts";
import type { Driver } from "../harness/thunderbird.ts";
import { folderSubjects, listAccounts } from "./support/chrome.ts";
import { pageSnapshot, runOneClick } from "./support/pages.ts";
import { waitFor } from "../harness/e2e-process.ts";

const reason = missingComponents("e2e login names against a standard Dovecot", E2E_COMPONENTS);
const SETUP = "pages/setup/setup.html";
const RESULT = ["#result", "#result-title", "#result-text", "#confirm", "#progress", "#steps"];
const REFUSED = /Master user login attempted without master passdbs/;
const CARD_LOGIN = new RegExp(`Login: user=<${DOCTOR.idNat}>, method=EXTERNAL`);

/** Clicks "Create the account" and waits for the outcome shown to the user. */
function oneClick(driver: Driver) {
  return runOneClick(driver, { setupPage: SETUP, result: RESULT, offerMs: 90_000, outcomeMs: 120_000 });
}

async function reloadSetup(driver: Driver): Promise<void> {
  await driver.chrome(
    `
    for (const w of Services.wm.getEnumerator("mail:3pane")) {
      for (const t of w.document.getElementById("tabmail").tabInfo) {
        if (t.browser && t.browser.currentURI.spec.includes(args.page)) t.browser.reload();
      }
    }
    return true;`,
    { page: SETUP },
  );
  await waitFor(
    "the reload to clear the result",
    async () => {
      try {
        return !(await pageSnapshot(driver, SETUP, ["#result"])).elements["#result"]?.visible;
      } catch {
        return false;
      }
    },
    20_000,
  );
}

async function imapAccount(driver: Driver) {
  const { accounts } = await listAccounts(driver);
  const imap = accounts.filter((a) => a.incoming?.type === "imap");
  expect(imap).toHaveLength(1);
  return imap[0]!;
}

/** The identity's Sent folder and the server's URI, as Thunderbird holds them. */
async function sentFolder(driver: Driver, accountKey: string): Promise<{ fcc: string; serverURI: string }> {
  return await driver.chrome(
    `const a = MailServices.accounts.getAccount(args.key);
     return { fcc: a.defaultIdentity.fccFolderURI, serverURI: a.incomingServer.serverURI };`,
    { key: accountKey },
  );
}

describe.skipIf(reason)("a standard Dovecot (user from the certificate, no master passdb), default policy: the fallback", () => {
  let env: E2EEnv;
  let driver: Driver;

  beforeAll(async () => {
    env = await startE2EEnv({ dovecot: { loginNames: "certificate-only" } });
    driver = env.tb!.driver;
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("one click: the address is refused, the card's idNat is tried once and kept; the page says so; a second run changes nothing", async () => {
    const mark = env.dovecot.logMark();
    const outcome = await oneClick(driver);
    expect(outcome.elements["#result"]?.dataset, JSON.stringify(outcome.elements)).toMatchObject({
      outcome: "success",
      code: "created",
      login: "idNat",
      loginFallback: "true",
    });
    // The page says which name is used, and why (this Thunderbird runs in English; French first in _locales).
    const text = outcome.elements["#result-text"]?.text ?? "";
    expect(text, text).toContain(`your card's identifier (${DOCTOR.idNat})`);
    expect(text, text).toMatch(/refused the first login name tried/);

    // The server's log: the address refused, then the card's holder logged in with EXTERNAL.
    const since = env.dovecot.log().slice(mark);
    expect(since).toMatch(REFUSED);
    expect(since).toMatch(CARD_LOGIN);
    expect(since.indexOf(since.match(REFUSED)![0])).toBeLessThan(since.indexOf(since.match(CARD_LOGIN)![0]));

    const account = await imapAccount(driver);
    expect(account.incoming).toMatchObject({ hostname: HOSTS.imapCert, username: DOCTOR.idNat, authMethod: 7 });
    expect(account.identities[0]!.email).toBe(DOCTOR.address);
    // The identity's Sent folder follows the server's new URI (its user name is part of it).
    const { fcc, serverURI } = await sentFolder(driver, account.key);
    expect(serverURI).toContain(DOCTOR.idNat);
    expect(fcc).toBe(`${serverURI}/Sent`);

    // The mailbox is there: a message delivered to the address shows in INBOX.
    await env.dovecot.deliver(DOCTOR.address, "accueil@mssante.test", "Bienvenue (serveur standard)", "Bonjour.");
    const inbox = await folderSubjects(driver, account.key, { waitForSubject: "Bienvenue (serveur standard)", timeoutMs: 20_000 });
    expect(inbox.subjects).toContain("Bienvenue (serveur standard)");

    // Second run: unchanged, no refusal this time (the name that works was kept).
    await reloadSetup(driver);
    const mark2 = env.dovecot.logMark();
    const second = await oneClick(driver);
    expect(second.elements["#result"]?.dataset, JSON.stringify(second.elements)).toMatchObject({
      outcome: "success",
      code: "unchanged",
      login: "idNat",
      loginFallback: "false",
    });
    expect(second.elements["#confirm"]?.visible).toBe(false);
    await env.dovecot.waitForLog(CARD_LOGIN, 10_000, mark2);
    expect(env.dovecot.log().slice(mark2)).not.toMatch(REFUSED);
    expect((await imapAccount(driver)).key).toBe(account.key);
  });
});

describe.skipIf(reason)("a standard Dovecot with the operator policy cardLoginName: idNat", () => {
  let env: E2EEnv;
  let driver: Driver;

  beforeAll(async () => {
    env = await startE2EEnv({
      dovecot: { loginNames: "certificate-only" },
      discoveryPolicies: [{ domain: "*", cardFront: "certificate", smtpAuthMethod: 7, cardLoginName: "idNat" }],
    });
    driver = env.tb!.driver;
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("one click logs in with the idNat at once: no refusal in the server's log", async () => {
    const mark = env.dovecot.logMark();
    const outcome = await oneClick(driver);
    expect(outcome.elements["#result"]?.dataset, JSON.stringify(outcome.elements)).toMatchObject({
      outcome: "success",
      code: "created",
      login: "idNat",
      loginFallback: "false",
    });
    await env.dovecot.waitForLog(CARD_LOGIN, 10_000, mark);
    expect(env.dovecot.log().slice(mark)).not.toMatch(REFUSED);
    expect((await imapAccount(driver)).incoming).toMatchObject({ username: DOCTOR.idNat });
  });
});
