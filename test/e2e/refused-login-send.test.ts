/**
 * Issue 13, the last part: sending from an account whose IMAP login the server refuses. A standard
 * Dovecot (user from the certificate, no master passdb) that does not know the card's user either
 * refuses both names the setup tries, so the setup ends at the logon step with the account's
 * checks held. Thunderbird would then deliver the message by SMTP, try twice to log in to IMAP to
 * copy it to Sent, and leave its "Sending Message" window open for ever (sendMessage never
 * returning, onAfterSend never firing). The extension sends such an account's messages without a
 * Sent copy and says so once: the message leaves, nothing hangs, and no IMAP login is attempted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingComponents } from "../harness/require-component.ts";
import { COLLEAGUES, DOCTOR, E2E_COMPONENTS, startE2EEnv, type E2EEnv } from "../harness/e2e-env.ts";
import type { Driver } from "../harness/thunderbird.ts";
import { listAccounts } from "./support/chrome.ts";
import { pageClick, waitForPage } from "./support/pages.ts";

const reason = missingComponents("e2e sending from an account whose IMAP login is refused", E2E_COMPONENTS);
const SETUP = "pages/setup/setup.html";
const RESULT = ["#result", "#result-title", "#result-text", "#confirm", "#progress", "#steps"];
const REFUSED = /Master user login attempted without master passdbs/;
const COLLEAGUE = COLLEAGUES[0].address;
/** A send that completes takes a few seconds here; one that hangs never ends. */
const SEND_BOUND_MS = 60_000;
const NOTICE = "[mss] send.no-sent-copy-notice";

type SendResult = { mode?: string; headerMessageId?: string; messages?: unknown[] } | null;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<{ done: true; value: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ done: false }>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  return Promise.race([p.then((value) => ({ done: true as const, value })), late]).finally(() => clearTimeout(timer));
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

interface ShownAlert {
  name: string;
  title: string;
  text: string;
}

/**
 * Puts a recording alerts service in place of the system's (what notifications.create reaches, by
 * its contract, on every call): it records each alert shown and answers "alertshow"; `clickAlert`
 * then clicks one as the user would. Headless Thunderbird shows no window for a notification.
 */
async function recordAlerts(driver: Driver): Promise<void> {
  await driver.chrome(`
    const registrar = Components.manager.QueryInterface(Ci.nsIComponentRegistrar);
    driverState.alertsShown = [];
    driverState.alertListeners = {};
    const svc = {
      QueryInterface: ChromeUtils.generateQI([Ci.nsIAlertsService]),
      showAlert(alert, listener) {
        driverState.alertsShown.push({ name: alert.name, title: alert.title, text: alert.text });
        if (listener) {
          driverState.alertListeners[alert.name] = { listener, cookie: alert.cookie };
          listener.observe(null, "alertshow", alert.cookie);
        }
      },
      closeAlert() {},
    };
    const factory = { QueryInterface: ChromeUtils.generateQI([Ci.nsIFactory]), createInstance: (iid) => svc.QueryInterface(iid) };
    registrar.registerFactory(Components.ID("{5d0f3b3e-8a3c-4f43-9d64-2a1f0c6b7e13}"), "e2e recording alerts", "@mozilla.org/alerts-service;1", factory);
    return true;`);
}

const shownAlerts = (driver: Driver) => driver.chrome<ShownAlert[]>(`return driverState.alertsShown ?? [];`);

async function clickAlert(driver: Driver, name: string): Promise<void> {
  await driver.chrome(
    `const l = driverState.alertListeners[args.name];
     l.listener.observe(null, "alertclickcallback", l.cookie);
     return true;`,
    { name },
  );
}

/** Tabs showing the setup page. */
async function setupTabs(driver: Driver): Promise<number> {
  return await driver.chrome(
    `let n = 0;
     for (const w of Services.wm.getEnumerator("mail:3pane"))
       for (const t of w.document.getElementById("tabmail").tabInfo) if (t.browser?.currentURI?.spec.includes(args.page)) n++;
     return n;`,
    { page: SETUP },
  );
}

/** Windows Thunderbird has open, by URL (the send progress window is messengercompose/sendProgress). */
async function openWindows(driver: Driver): Promise<string[]> {
  return await driver.chrome(`return [...Services.wm.getEnumerator(null)].map((w) => w.location.href);`);
}

describe.skipIf(reason)("issue 13: sending from an account whose IMAP login the server refuses", () => {
  let env: E2EEnv;
  let driver: Driver;

  beforeAll(async () => {
    env = await startE2EEnv({ dovecot: { loginNames: "certificate-only", cardUserKnown: false } });
    driver = env.tb!.driver;
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("the message leaves without a Sent copy, sendMessage returns, the notice is shown once, no IMAP login is tried", async () => {
    // One click: the address refused, the idNat refused too; the account stays with its checks held.
    await waitForPage(
      driver,
      SETUP,
      ["#create"],
      (s) => !!s.elements["#create"]?.visible && s.elements["#create"]?.disabled === false,
      "the setup page to offer account creation",
      90_000,
    );
    await pageClick(driver, SETUP, "#create");
    const outcome = await waitForPage(driver, SETUP, RESULT, (s) => !!s.elements["#result"]?.visible, "the setup outcome", 120_000);
    expect(outcome.elements["#result"]?.dataset, JSON.stringify(outcome.elements)).toMatchObject({ outcome: "failure" });
    expect(outcome.elements["#result"]?.dataset?.code).toMatch(/^logon-/);
    expect(env.dovecot.log()).toMatch(REFUSED);

    const { accounts } = await listAccounts(driver);
    const account = accounts.find((a) => a.incoming?.type === "imap");
    expect(account).toBeDefined();
    const identityId = account!.identities[0]!.key;
    const state = await driver.chrome<{ held: boolean; username: string; fcc: string }>(
      `const a = MailServices.accounts.getAccount(args.key);
       return { held: a.incomingServer.getBoolValue("mss_checks_held"), username: a.incomingServer.username, fcc: a.defaultIdentity.fccFolderURI };`,
      { key: account!.key },
    );
    // The user name the server refuses (the address: the policy's, put back after the fallback failed),
    // a Sent folder on that server, checks held.
    expect(state).toMatchObject({ held: true, username: DOCTOR.address });
    expect(state.fcc).toMatch(/\/Sent$/);

    await driver.listen("compose.onAfterSend");
    await recordAlerts(driver);
    const dovecotMark = env.dovecot.logMark();
    const pfMark = env.postfix.logMark();
    const outMark = env.tb!.output().length;
    const eventsBefore = (await driver.prompts()).events.length;
    const marker = `e2e-no-sent-copy-${Date.now()}`;
    const tab = await driver.api<{ id: number }>("compose.beginNew", null, {
      identityId,
      to: [COLLEAGUE],
      subject: `Sans copie ${Date.now()}`,
      plainTextBody: `Bonjour,\n${marker}\n`,
      isPlainText: true,
    });
    const started = Date.now();
    const sent = await withTimeout(driver.api<SendResult>("compose.sendMessage", tab.id, { mode: "sendNow" }), SEND_BOUND_MS);
    const took = Date.now() - started;
    const diag = async () =>
      `windows: ${JSON.stringify(await openWindows(driver))}\ndovecot: ${env.dovecot.log().slice(dovecotMark)}\ntb: ${env
        .tb!.output()
        .slice(outMark)
        .slice(-3000)}`;
    expect(sent.done, await diag()).toBe(true);
    console.log(`[e2e] send from the refused account returned in ${took} ms: ${JSON.stringify(sent.done ? sent.value : null)}`);
    const result = sent.done ? sent.value : null;
    expect(result?.mode).toBe("sendNow");
    expect(result?.headerMessageId).toEqual(expect.any(String));
    expect(result?.messages ?? []).toEqual([]); // no copy saved anywhere

    // Delivered: through Postfix (authorised by the card) into the colleague's mailbox.
    await env.postfix.waitForLog(/Trusted TLS connection established from .*TLSv1\.2/, 10_000, pfMark);
    const delivered = await env.dovecot.waitForMessage(COLLEAGUE, marker, 20_000);
    expect(delivered).toContain(`From: Dr_Jean_DUPONT <${DOCTOR.address}>`); // ECO.2.2.7

    // compose.onAfterSend fired for that tab, without an error.
    const after = await driver.waitForEvent("compose.onAfterSend", undefined, 10_000);
    expect(JSON.stringify(after)).not.toMatch(/"error"/);

    // The notice, once; the progress window gone; no IMAP login tried for a copy, none in Sent.
    const out = () => env.tb!.output().slice(outMark);
    await expect.poll(() => count(out(), NOTICE), { timeout: 10_000 }).toBe(1);
    expect(count(out(), "[mss] send.no-sent-copy "), out()).toBe(1);
    // The notice reached the system's alerts once, naming the mailbox (this Thunderbird runs in English).
    const alerts = await shownAlerts(driver);
    expect(alerts, JSON.stringify(alerts)).toHaveLength(1);
    expect(alerts[0]!.title).toBe("MSSanté: message sent, no copy in “Sent”");
    expect(alerts[0]!.text).toContain(DOCTOR.address);
    expect(alerts[0]!.text).toMatch(/no copy is kept in “Sent”[\s\S]*Set up MSSanté/);
    // No dialog asked anything: the send went through on its own.
    const seen = (await driver.prompts()).events.slice(eventsBefore);
    expect(seen.filter((e) => e.kind !== "window")).toEqual([]);
    expect((await openWindows(driver)).filter((u) => /sendProgress|messengercompose/.test(u))).toEqual([]);
    await new Promise((r) => setTimeout(r, 3_000)); // a copy attempt would log in within this
    expect(env.dovecot.log().slice(dovecotMark)).not.toMatch(/imap-login: .*(Login|Disconnected|Aborted)/);
    expect(count(out(), NOTICE)).toBe(1);
    expect(await shownAlerts(driver)).toHaveLength(1);

    // Clicking the notice opens the setup page, where the login is repaired.
    const before = await setupTabs(driver);
    await clickAlert(driver, alerts[0]!.name);
    await expect.poll(() => setupTabs(driver), { timeout: 10_000 }).toBe(before + 1);
  });
});
