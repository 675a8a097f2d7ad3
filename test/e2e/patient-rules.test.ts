/**
 * Issue 18's rules shown in a real Thunderbird 153 (French) on an Xvfb display, through the real
 * Postfix and Dovecot (which here also hold one patient's mailbox at patient.mssante.fr, as if
 * Mon espace santé were behind the same store; any other patient address is refused at delivery):
 *   ECO.2.2.8   "Bloquer la réponse du patient" chosen in the compose action's page: the patient's
 *               delivered copy has X-MSS-MES: FIN; a message without the choice has none;
 *   bounces     another (valid) INS unknown to the store: Postfix's own bounce comes back into the
 *               GP's inbox and its reading panel explains it in French (patient unknown);
 *   ECO.2.3.1   a colleague-domain address the store does not know: Postfix's failure DSN tags the
 *               Sent copy « MSSanté : échec » and its panel says « échec »; a read receipt written
 *               as Thunderbird writes one, sent from the colleague through Postfix, tags the Sent
 *               copy of a message to her « MSSanté : lu »;
 *   25 MB       a message to a patient with an attachment whose base64 passes 25,000,000 bytes is
 *               stopped by the guard with the reason (the file made at run time, removed after).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { thunderbirdMdn } from "../../extension/test-support/delivery-reports.ts";
import { waitFor } from "../harness/e2e-process.ts";
import { COLLEAGUES, DOCTOR, E2E_COMPONENTS, HOSTS, startE2EEnv, type E2EEnv } from "../harness/e2e-env.ts";
import { topHeaders } from "../harness/mime-parts.ts";
import { missingComponents } from "../harness/require-component.ts";
import { startXvfb, type Xvfb } from "../harness/screenshot.ts";
import { smtpSend } from "./support/starttls.ts";
import { sentCopyTag as sentCopyTagOf } from "./support/chrome.ts";
import {
  arrangeMainWindow,
  click,
  closeComposeWindows,
  GUARD_PAGE,
  openExtensionPage,
  openSetupPage,
  SETUP_PAGE,
  singleSetupTab,
  startSend,
  storage,
  waitForPage,
} from "./ui-session.ts";

const reason = missingComponents("e2e patient rules, failure and read reports", [...E2E_COMPONENTS, "Xvfb", "thunderbird-l10n-fr"]);

/** Invented INS matricules with valid keys: the first has a mailbox in the test store, the second not. */
const PATIENT = "279035121518989@patient.mssante.fr";
const UNKNOWN_PATIENT = "185052A00412356@patient.mssante.fr";
/** At the test domain, a mailbox nobody has: Dovecot refuses it at delivery. */
const NOBODY = "personne.inconnue@mssante.test";
const HELENE = COLLEAGUES[0];
const READING = "pages/reading/reading.html";
/** A form control's state in a page snapshot (the driver reports them; ui-session's type leaves them out). */
type Control = { checked?: boolean | null; disabled?: boolean | null };
const control = (e: unknown): Control => (e ?? {}) as Control;

describe.skipIf(reason)("patients, failures and read receipts in a real Thunderbird (issue 18)", () => {
  let xvfb: Xvfb;
  let env: E2EEnv;
  let accountKey = "";
  const d = () => env.tb!.driver;
  const run = Date.now();

  beforeAll(async () => {
    xvfb = await startXvfb({ width: 1280, height: 900 });
    env = await startE2EEnv({
      thunderbirdOptions: { display: xvfb.display, prefs: { "intl.locale.requested": "fr" } },
      extraMailboxes: [PATIENT],
    });
    await arrangeMainWindow(d(), 1280, 900);
  });
  afterAll(async () => {
    const lines =
      env?.tb
        ?.output()
        .split("\n")
        .filter((l) => /\[mss\] (receipts|guard|reading)/.test(l)) ?? [];
    console.log(`[e2e] extension lines:\n${lines.join("\n")}`);
    await env?.stop();
    await xvfb?.stop();
  });

  /** The Sent copy's tag key among ours and its label, once it has `key`. */
  const sentCopyTag = (messageId: string, key: string) => sentCopyTagOf(d(), accountKey, messageId, key);

  /** Opens a message in a tab and its reading panel; waits for `ready` on the panel. */
  const readingPanel = async (headerMessageId: string, selectors: string[], ready: Parameters<typeof waitForPage>[3], what: string) => {
    // Until Thunderbird has fetched the message into its folder, messageDisplay.open finds nothing.
    const tab = await waitFor(
      "the message opened in a tab",
      async () =>
        await d()
          .api<{ id: number } | null>("messageDisplay.open", { headerMessageId, location: "tab", active: true })
          .catch(() => null),
      60_000,
      1000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    await openExtensionPage(env, `${READING}?tabId=${tab.id}`);
    return await waitForPage(d(), `${READING}?tabId=${tab.id}`, selectors, ready, what, 30_000);
  };

  const messageIdOf = (raw: string) => /^Message-ID:\s*<([^>]+)>/im.exec(raw)![1]!;

  it("provisions the doctor's account in one click", async () => {
    await openSetupPage(env);
    await singleSetupTab(d());
    await waitForPage(
      d(),
      SETUP_PAGE,
      ["#state-pin", "#create"],
      (p) => p.elements["#state-pin"]?.dataset?.state === "ok" && !!p.elements["#create"]?.visible,
      "the setup page ready",
      60_000,
    );
    await click(d(), SETUP_PAGE, "#create");
    const s = await waitForPage(d(), SETUP_PAGE, ["#result"], (p) => !!p.elements["#result"]?.visible, "the setup outcome", 120_000);
    expect(s.elements["#result"]!.dataset).toMatchObject({ outcome: "success" });
    const st = await storage<{ "mss.accounts": Array<{ accountId: string }> }>(d(), ["mss.accounts"]);
    accountKey = st["mss.accounts"][0]!.accountId;
  });

  it("ECO.2.2.8: « Bloquer la réponse du patient » chosen → the patient's copy has X-MSS-MES: FIN", async () => {
    await closeComposeWindows(d());
    const subject = `Resultats ${run} fin d echange`;
    const tab = await d().api<{ id: number }>("compose.beginNew", {
      to: [`Mme Durand <${PATIENT}>`],
      subject,
      plainTextBody: "Bonjour, voici vos résultats. Inutile de répondre.",
      isPlainText: true,
    });
    const page = `pages/compose/compose.html?tabId=${tab.id}`;
    await openExtensionPage(env, page);
    const ready = await waitForPage(
      d(),
      page,
      ["body", "#form", "#block-reply", "#block-reply-hint"],
      // body[data-tab-id] is set once the page has shown the compose tab's view (its first render).
      (p) => !!p.elements.body?.dataset?.tabId,
      "the compose page with the patient choice open",
      30_000,
    );
    expect(ready.elements["#block-reply"]).toMatchObject({ checked: false, disabled: false });
    expect(ready.elements["#block-reply-hint"]?.visible).toBe(false);
    await click(d(), page, "#block-reply");
    await waitForPage(
      d(),
      page,
      ["#block-reply"],
      (p) => control(p.elements["#block-reply"]).checked === true,
      "the choice ticked",
      10_000,
    );
    await new Promise((r) => setTimeout(r, 500)); // the page's message to the background

    expect(await startSend(d(), tab.id)).toEqual({ ok: true });
    const delivered = await env.dovecot.waitForMessage(PATIENT, subject, 60_000);
    const headers = topHeaders(delivered);
    expect(headers.get("x-mss-mes")).toBe("FIN");
    expect(headers.get("to")).toContain(PATIENT);
  });

  it("without the choice no X-MSS-MES; an INS the store does not know bounces and the panel explains it in French", async () => {
    await closeComposeWindows(d());
    const subject = `Votre compte rendu ${run}`;
    const tab = await d().api<{ id: number }>("compose.beginNew", {
      to: [PATIENT, UNKNOWN_PATIENT],
      subject,
      plainTextBody: "Bonjour, voici votre compte rendu.",
      isPlainText: true,
    });
    const postfixMark = env.postfix.logMark();
    expect(await startSend(d(), tab.id)).toEqual({ ok: true });
    const delivered = await env.dovecot.waitForMessage(PATIENT, subject, 60_000);
    expect(topHeaders(delivered).has("x-mss-mes")).toBe(false);

    // Dovecot refuses the unknown patient (LMTP 550 5.1.1); Postfix writes its bounce to the GP.
    await env.postfix.waitForLog(/status=bounced/, 30_000, postfixMark);
    const bounce = await waitFor(
      "Postfix's bounce in the GP's inbox",
      async () => env.dovecot.messages(DOCTOR.address).find((m) => m.includes(subject) && /^Subject: Undelivered Mail/im.test(m)),
      30_000,
      300,
    );
    expect(bounce).toMatch(/Status: 5\.1\.1/);
    const panel = await readingPanel(
      messageIdOf(bounce),
      ["#bounce", "#bounce-list li", "#bounce-note"],
      (p) => !!p.elements["#bounce"]?.visible && !!p.elements["#bounce-list li"]?.exists,
      "the bounce explained in the reading panel",
    );
    const li = panel.elements["#bounce-list li"]!;
    expect(li.dataset).toMatchObject({ kind: "patient-unknown" });
    expect(li.text?.toLowerCase()).toContain(UNKNOWN_PATIENT.toLowerCase());
    expect(li.text).toContain("Mon espace santé ne connaît pas ce patient");
    expect(li.text).toContain("5.1.1");
    expect(panel.elements["#bounce-note"]!.text).toContain("RFC 3464");
  });

  it("ECO.2.3.1: an address the test domain does not have → Postfix's failure DSN → « MSSanté : échec », the panel says échec", async () => {
    await closeComposeWindows(d());
    const subject = `Courrier ${run} pour personne`;
    const tab = await d().api<{ id: number }>("compose.beginNew", {
      to: [NOBODY],
      subject,
      plainTextBody: "Bonjour.",
      isPlainText: true,
    });
    const postfixMark = env.postfix.logMark();
    expect(await startSend(d(), tab.id)).toEqual({ ok: true });
    await env.postfix.waitForLog(new RegExp(`to=<${NOBODY}>.*status=bounced`), 30_000, postfixMark);
    const dsn = await waitFor(
      "the failure DSN in the GP's inbox",
      async () => env.dovecot.messages(DOCTOR.address).find((m) => m.includes(subject) && /report-type=delivery-status/.test(m)),
      30_000,
      300,
    );
    expect(dsn).toMatch(/Action: failed/);
    const sentId = /^Message-ID:\s*<([^>]+)>/im.exec(dsn.slice(dsn.search(/^Content-Type: (message\/rfc822|text\/rfc822-headers)/im)))![1]!;

    const tagged = await sentCopyTag(sentId, "mss_failed");
    expect(tagged.label).toBe("MSSanté : échec");
    const panel = await readingPanel(
      sentId,
      ["#receipts", "#receipt-list li"],
      (p) => !!p.elements["#receipts"]?.visible && !!p.elements["#receipt-list li"]?.exists,
      "the receipts in the Sent copy's panel",
    );
    const li = panel.elements["#receipt-list li"]!;
    expect(li.dataset).toMatchObject({ address: NOBODY, state: "failed" });
    expect(li.text).toContain("échec");
  });

  it("ECO.2.3.1: the colleague's read receipt (as Thunderbird writes it) comes through Postfix → « MSSanté : lu »", async () => {
    await closeComposeWindows(d());
    const subject = `Avis ${run} demande`;
    const tab = await d().api<{ id: number }>("compose.beginNew", {
      to: [HELENE.address],
      subject,
      plainTextBody: "Bonjour Hélène, ton avis ?",
      isPlainText: true,
    });
    expect(await startSend(d(), tab.id)).toEqual({ ok: true });
    const delivered = await env.dovecot.waitForMessage(HELENE.address, subject, 60_000);
    const sentId = messageIdOf(delivered);

    const mdn = thunderbirdMdn({ from: HELENE.address, to: DOCTOR.address, messageId: sentId, disposition: "displayed" });
    const sent = await smtpSend({
      port: env.postfix.submissionPort,
      ca: readFileSync(env.pki.ca.certPem),
      servername: HOSTS.smtpCert,
      identity: { certPem: readFileSync(env.pki.doctor.certPem), keyPem: readFileSync(env.pki.doctor.keyPem) },
      from: HELENE.address,
      to: DOCTOR.address,
      body: "",
      message: mdn.replace(/\r?\n/g, "\r\n").replace(/\r\n$/, ""),
    });
    expect(sent.accepted).toBe(true);
    await env.dovecot.waitForMessage(DOCTOR.address, `Original-Message-ID: <${sentId}>`, 30_000);

    const tagged = await sentCopyTag(sentId, "mss_read");
    expect(tagged.label).toBe("MSSanté : lu");
    const receipts = (
      await storage<{ "mss.receipts": Record<string, { recipients: Record<string, { state: string }> }> }>(d(), ["mss.receipts"])
    )["mss.receipts"];
    expect(receipts[sentId]!.recipients[HELENE.address]!.state).toBe("read");
  });

  it("25 MB: an attachment whose base64 passes 25,000,000 bytes to a patient is stopped with the reason", async () => {
    await closeComposeWindows(d());
    const dir = mkdtempSync(path.join(tmpdir(), "mss-e2e-large-"));
    const file = path.join(dir, "imagerie.bin");
    const bytes = 19_000_000; // base64: about 25.3 million characters before line breaks
    try {
      writeFileSync(file, Buffer.alloc(bytes, 0x5a));
      const tab = await d().api<{ id: number }>("compose.beginNew", {
        to: [PATIENT],
        subject: `Imagerie ${run}`,
        plainTextBody: "Bonjour, vos images.",
        isPlainText: true,
      });
      await d().chrome(
        `const w = Services.wm.getMostRecentWindow("msgcompose");
         const f = Cc["@mozilla.org/file/local;1"].createInstance(Ci.nsIFile);
         f.initWithPath(args.file);
         const a = Cc["@mozilla.org/messengercompose/attachment;1"].createInstance(Ci.nsIMsgAttachment);
         a.url = Services.io.newFileURI(f).spec;
         a.name = "imagerie.bin";
         a.size = f.fileSize;
         await w.AddAttachments([a]);
         return true;`,
        { file },
      );
      const listed = await waitFor(
        "the attachment listed",
        async () => {
          const l = await d().api<{ name: string; size: number }[]>("compose.listAttachments", tab.id);
          return l.length ? l : null;
        },
        20_000,
        300,
      );
      expect(listed[0]!.size).toBe(bytes);

      const sending = startSend(d(), tab.id);
      const g = await waitForPage(
        d(),
        GUARD_PAGE,
        ["body", "#guard-title", "#guard-reason", "#guard-blocked li", "#guard-anyway-box"],
        (p) => p.elements.body?.dataset?.reason === "patient-message-too-large",
        "the guard's window for the size",
        30_000,
      );
      expect(g.elements["#guard-title"]!.text).toBe("Envoi arrêté : message à un patient (Mon espace santé)");
      expect(g.elements["#guard-blocked li"]!.text).toBe(PATIENT);
      expect(g.elements["#guard-reason"]!.text).toContain("Mon espace santé refuse les messages de plus de 25");
      const about = /environ (\d+(?:[,.]\d+)?) Mo/.exec(g.elements["#guard-reason"]!.text ?? "");
      expect(Number(about![1]!.replace(",", "."))).toBeGreaterThan(25);
      expect(g.elements["#guard-anyway-box"]?.visible ?? false).toBe(false);
      await click(d(), GUARD_PAGE, "#guard-cancel");
      expect((await sending).ok).toBe(false);
      const rec = (await storage<{ "mss.lastGuard": { reason: string } }>(d(), ["mss.lastGuard"]))["mss.lastGuard"];
      expect(rec.reason).toBe("patient-message-too-large");
      expect(JSON.stringify(rec)).not.toContain(PATIENT.split("@")[0]!);
    } finally {
      await closeComposeWindows(d()).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
