/**
 * Issue 17, the reading side, in a real Thunderbird 153 (French) on an Xvfb display: messages
 * delivered into the doctor's mailbox through Dovecot's LMTP, each opened in a message tab with
 * `messageDisplay.open`; the extension's reading panel (pages/reading/reading.html for that tab)
 * and its banner show the sender verdict, and for the patient's message the IHE XDM archive's
 * patient and documents; the PDF opens from a blob: URL. Screenshots under docs/screenshots/.
 *
 * The trace: Dovecot's LMTP adds its own `Received … with LMTP` on top; under it, each message
 * carries the hop the operator's MTA records on arrival, written as Postfix writes it with
 * `smtpd_tls_received_header = yes`: from another trust-space operator, the peer's IGC-Santé
 * certificate "verified OK"; from outside, none. (The harness's Postfix does not relay between two
 * operators with client certificates, so the MTA's line is written by the test: what is proven here
 * is Thunderbird's half, reading it.)
 */
import { cpSync, mkdirSync, rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cdaPdf, cdaStructured, PATIENT, section, xdmZip } from "../fixtures/xdm-builder.ts";
import { missingComponents } from "../harness/require-component.ts";
import { COLLEAGUES, DOCTOR, E2E_COMPONENTS, startE2EEnv, type E2EEnv } from "../harness/e2e-env.ts";
import { REPO_ROOT } from "../harness/bridge-process.ts";
import { waitFor } from "../harness/e2e-process.ts";
import { readPngInfo, startXvfb, type Xvfb } from "../harness/screenshot.ts";
import { folderSubjects, readReceiptBar } from "./support/chrome.ts";
import { provisionInOneClick } from "./support/one-click-setup.ts";
import { arrangeMainWindow, click, openExtensionPage, screenshot, storage, waitForPage, type Snapshot } from "./ui-session.ts";

const reason = missingComponents("e2e reading (sender verdict, XDM panel)", [...E2E_COMPONENTS, "Xvfb", "xwd", "thunderbird-l10n-fr"]);

const SHOTS = path.join(REPO_ROOT, "test-results", "screenshots");
const DOCS_SHOTS = path.join(REPO_ROOT, "docs", "screenshots");
const WIDTH = 1280;
const HEIGHT = 900;
const HELENE = COLLEAGUES[0];
const READING = "pages/reading/reading.html";

const TRUST_HOP = (id: string) =>
  `from mx.autre-operateur.mssante.test (mx.autre-operateur.mssante.test [192.0.2.10])\r\n\t(using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits))\r\n\t(Client CN "mx.autre-operateur.mssante.test", Issuer "TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS" (verified OK))\r\n\tby mx.mssante.test (Postfix) with ESMTPS id ${id}\r\n\tfor <${DOCTOR.address}>; Mon, 1 Jun 2026 10:00:00 +0200`;
const OUTSIDE_HOP = (id: string) =>
  `from mail.example.com (mail.example.com [198.51.100.7])\r\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n\t(No client certificate requested)\r\n\tby mx.mssante.test (Postfix) with ESMTPS id ${id}\r\n\tfor <${DOCTOR.address}>; Mon, 1 Jun 2026 10:00:00 +0200`;

interface Case {
  key: string;
  from: string;
  subject: string;
  hop: string;
  body: string;
  extraHeaders?: string[];
  messageId: string;
}

function plain(c: Omit<Case, "body" | "messageId">, text: string): Case {
  return {
    ...c,
    messageId: `${c.key}.reading@harness.test`,
    body: `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${text}\r\n`,
  };
}

function withXdm(c: Omit<Case, "body" | "messageId">, archive: Uint8Array): Case {
  const b = "=_reading_42";
  const b64 = Buffer.from(archive)
    .toString("base64")
    .replace(/(.{76})/g, "$1\r\n");
  return {
    ...c,
    messageId: `${c.key}.reading@harness.test`,
    body:
      `MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${b}"\r\n\r\n` +
      `--${b}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nBonjour docteur, voici mes résultats.\r\n` +
      `--${b}\r\nContent-Type: application/zip; name="IHE_XDM.zip"\r\nContent-Disposition: attachment; filename="IHE_XDM.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--${b}--\r\n`,
  };
}

/** One raw message over LMTP (Dovecot adds its Received line on top). */
async function lmtpRaw(port: number, to: string, envelopeFrom: string, data: string): Promise<void> {
  const sock = net.connect({ port, host: "127.0.0.1" });
  let buf = "";
  sock.on("data", (d: Buffer) => (buf += d.toString("utf8")));
  const reply = async () => {
    await waitFor("an LMTP reply", async () => (/^\d{3} .*\r\n/m.test(buf) ? true : null), 10_000, 20);
    const line = /^(\d{3}) .*\r\n/m.exec(buf)!;
    buf = buf.slice(line.index + line[0].length);
    if (!/^[23]/.test(line[1]!)) throw new Error(`LMTP: ${line[0]}`);
  };
  try {
    await reply();
    for (const cmd of ["LHLO harness.test", `MAIL FROM:<${envelopeFrom}>`, `RCPT TO:<${to}>`, "DATA"]) {
      sock.write(`${cmd}\r\n`);
      await reply();
    }
    sock.write(`${data.replace(/\r?\n/g, "\r\n").replace(/^\./gm, "..")}\r\n.\r\n`);
    await reply();
    sock.write("QUIT\r\n");
  } finally {
    sock.end();
  }
}

/** A one-page PDF with a line of text (offsets computed), so that the viewer has something to show. */
function onePagePdf(text: string): Uint8Array {
  const stream = `BT /F1 18 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
  ];
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

function addressOf(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from;
}

describe.skipIf(reason)("reading in a real Thunderbird (issue 17)", () => {
  let xvfb: Xvfb;
  let env: E2EEnv;
  let accountKey = "";
  const cases: Record<string, Case> = {};
  const banners: Record<string, { level: string; text: string }> = {};
  const d = () => env.tb!.driver;

  beforeAll(async () => {
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    mkdirSync(DOCS_SHOTS, { recursive: true });
    xvfb = await startXvfb({ width: WIDTH, height: HEIGHT });
    env = await startE2EEnv({ thunderbirdOptions: { display: xvfb.display, prefs: { "intl.locale.requested": "fr" } } });
    await arrangeMainWindow(d(), WIDTH, HEIGHT);
  });

  afterAll(async () => {
    await env?.stop();
    await xvfb?.stop();
  });

  it("provisions the doctor's account in one click, with its own read-receipt settings (ECO.3.1.6)", async () => {
    const s = await provisionInOneClick(env);
    expect(s.elements["#result"]!.dataset).toMatchObject({ outcome: "success", code: "created" });
    const st = await storage<{ "mss.accounts": Array<{ accountId: string }> }>(d(), ["mss.accounts"]);
    accountKey = st["mss.accounts"][0]!.accountId;
    const prefs = await d().chrome<Record<string, unknown>>(
      `const a = MailServices.accounts.getAccount(args.key); const s = a.incomingServer; const i = a.defaultIdentity;
       return { custom: i.getBoolAttribute("use_custom_prefs"), request: i.getBoolAttribute("request_return_receipt_on"),
         enabled: s.getBoolValue("mdn_report_enabled"), notInToCc: s.getIntValue("mdn_not_in_to_cc"),
         outside: s.getIntValue("mdn_outside_domain"), other: s.getIntValue("mdn_other") };`,
      { key: accountKey },
    );
    expect(prefs).toEqual({ custom: true, request: false, enabled: true, notInToCc: 2, outside: 2, other: 2 });
  });

  it("delivers the six messages through LMTP", async () => {
    const archive = await xdmZip([
      {
        uri: "DOC0001.XML",
        content: cdaPdf("11502-2", "Compte rendu de biologie", onePagePdf("Compte rendu de biologie - patiente de test")),
        typeCode: "11502-2",
        typeLabel: "CR d'examens biologiques",
        title: "Compte rendu de biologie",
        authorPerson: "801234567890^MARTIN^Paul^^^Dr^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS",
        authorInstitution: "Laboratoire de biologie de test",
      },
      {
        uri: "DOC0002.XML",
        content: cdaStructured("11490-0", "Lettre de liaison", section("Motif", "Suivi de l'hypertension artérielle.")),
        typeCode: "11490-0",
        typeLabel: "Lettre de liaison",
        title: "Lettre de liaison",
      },
    ]);
    const all: Case[] = [
      plain(
        { key: "colleague", from: `"Dr Hélène Lefèvre-Moreau" <${HELENE.address}>`, subject: "Avis cardiologique", hop: TRUST_HOP("C1") },
        "Cher confrère, voici mon avis.",
      ),
      plain(
        { key: "unknown", from: "Dr Paul Nouveau <paul.nouveau@mssante.test>", subject: "Nouvelle installation", hop: TRUST_HOP("C2") },
        "Je viens de m'installer.",
      ),
      plain({ key: "outside", from: "Dr Martin <dr.martin@example.com>", subject: "Demande d'avis", hop: OUTSIDE_HOP("C3") }, "Bonjour."),
      withXdm(
        {
          key: "patient",
          from: `"${PATIENT.given} Durand" <marie.durand@patient.mssante.fr>`,
          subject: "XDM/1.0/DDM+Mes résultats de biologie",
          hop: TRUST_HOP("C4"),
          extraHeaders: ["X-MSS-INS: O"],
        },
        archive,
      ),
      // The same qualified XDM under a header saying the INS is not qualified (ECO.2.1.2, CONF.14).
      withXdm(
        {
          key: "patient-ins-n",
          from: `"${PATIENT.given} Durand" <marie.durand@patient.mssante.fr>`,
          subject: "XDM/1.0/DDM+Résultats, en-tête contradictoire",
          hop: TRUST_HOP("C7"),
          extraHeaders: ["X-MSS-INS: N"],
        },
        archive,
      ),
      plain(
        {
          key: "forged",
          from: `"Dr Hélène Lefèvre-Moreau" <${HELENE.address}>`,
          subject: "Urgent : dossier patient",
          hop: OUTSIDE_HOP("C5"),
        },
        "Merci de me transmettre le dossier.",
      ),
    ];
    for (const c of all) {
      cases[c.key] = c;
      const head = [
        `Received: ${c.hop}`,
        `From: ${c.from}`,
        `To: ${DOCTOR.address}`,
        `Subject: =?UTF-8?B?${Buffer.from(c.subject).toString("base64")}?=`,
        "Date: Mon, 01 Jun 2026 10:00:00 +0200",
        `Message-ID: <${c.messageId}>`,
        ...(c.extraHeaders ?? []),
        ...(c.body.startsWith("MIME-Version") ? [] : ["MIME-Version: 1.0"]),
      ].join("\r\n");
      await lmtpRaw(env.dovecot.lmtpPort, DOCTOR.address, addressOf(c.from), `${head}\r\n${c.body}`);
    }
    const r = await folderSubjects(d(), accountKey, { waitForSubject: "Urgent : dossier patient", timeoutMs: 60_000 });
    expect(r.subjects).toEqual(expect.arrayContaining(all.map((c) => c.subject)));
  });

  /** Opens the message in a message tab, then the reading panel for that tab; returns the panel's state. */
  async function open(key: string): Promise<{ tabId: number; panel: Snapshot }> {
    const tab = await d().api<{ id: number }>("messageDisplay.open", {
      headerMessageId: cases[key]!.messageId,
      location: "tab",
      active: true,
    });
    await new Promise((r) => setTimeout(r, 1500));
    // The banner the message display script put above the message (about:message's browser).
    const banner = await waitFor(
      `the banner of ${key}`,
      async () =>
        await d().chrome<{ level: string; text: string } | null>(
          `const w = Services.wm.getMostRecentWindow("mail:3pane");
           const info = w.document.getElementById("tabmail").currentTabInfo;
           const aboutMessage = info.chromeBrowser && info.chromeBrowser.contentWindow;
           const b = aboutMessage && aboutMessage.getMessagePaneBrowser && aboutMessage.getMessagePaneBrowser();
           const el = b && b.contentDocument && b.contentDocument.getElementById("mss-reading-banner");
           return el ? { level: el.dataset.level, text: el.textContent } : null;`,
        ),
      15_000,
      250,
    );
    banners[key] = banner;
    const message = await screenshot(xvfb.display, SHOTS, `reading-${key}-message`);
    if (key === "colleague" || key === "forged") cpSync(message, path.join(DOCS_SHOTS, `reading-${key}-message.png`));
    await openExtensionPage(env, `${READING}?tabId=${tab.id}`);
    const panel = await waitForPage(
      d(),
      `${READING}?tabId=${tab.id}`,
      [
        "#sender",
        "#verdict-headline",
        "#verdict-lines",
        "#subject",
        "#patient",
        "#patient-grid",
        "#documents",
        "#document-list",
        "#no-xdm",
        "#problems",
        "#problem-list",
      ],
      (p) => !!p.elements["#sender"]?.visible,
      `the reading panel of ${key}`,
      30_000,
    );
    const shot = await screenshot(xvfb.display, SHOTS, `reading-${key}`);
    cpSync(shot, path.join(DOCS_SHOTS, `reading-${key}.png`));
    const info = readPngInfo(shot);
    expect([info.width, info.height]).toEqual([WIDTH, HEIGHT]);
    return { tabId: tab.id, panel };
  }

  it("a read receipt asked for (Disposition-Notification-To): Thunderbird asks the GP (ECO.3.1.6)", async () => {
    const c = plain(
      {
        key: "receipt",
        from: `"Dr Hélène Lefèvre-Moreau" <${HELENE.address}>`,
        subject: "Merci de confirmer la lecture",
        hop: TRUST_HOP("C6"),
      },
      "Pouvez-vous confirmer la lecture ?",
    );
    cases[c.key] = c;
    const head = [
      `Received: ${c.hop}`,
      `From: ${c.from}`,
      `To: ${DOCTOR.address}`,
      `Subject: ${c.subject}`,
      "Date: Mon, 01 Jun 2026 10:00:00 +0200",
      `Message-ID: <${c.messageId}>`,
      `Disposition-Notification-To: <${HELENE.address}>`,
      "MIME-Version: 1.0",
    ].join("\r\n");
    await lmtpRaw(env.dovecot.lmtpPort, DOCTOR.address, HELENE.address, `${head}\r\n${c.body}`);
    await folderSubjects(d(), accountKey, { waitForSubject: c.subject, timeoutMs: 60_000 });
    await d().api("messageDisplay.open", { headerMessageId: c.messageId, location: "tab", active: true });
    const bar = (await readReceiptBar(d(), null, 20_000)).text;
    expect(bar).toBeTruthy();
    await new Promise((r) => setTimeout(r, 2500)); // the message and its bar drawn
    const shot = await screenshot(xvfb.display, SHOTS, "reading-receipt-question");
    cpSync(shot, path.join(DOCS_SHOTS, "reading-receipt-question.png"));
  });

  it("a colleague through the trust space: in the national directory, with the extraction date", async () => {
    const { panel } = await open("colleague");
    expect(panel.elements["#sender"]!.dataset).toMatchObject({ kind: "professional", proven: "true", nameMismatch: "false", level: "ok" });
    expect(panel.elements["#verdict-headline"]!.text).toMatch(/LEFÈVRE-MOREAU.*dans l'annuaire national \(extraction du .+\)/);
    expect(panel.elements["#verdict-lines"]!.text).toContain("Cardiologie");
    expect(banners.colleague).toMatchObject({ level: "ok" });
    expect(banners.colleague!.text).toContain("dans l'annuaire national");
  });

  it("an MSSanté address missing from the directory: said so, with the extraction date", async () => {
    const { panel } = await open("unknown");
    expect(panel.elements["#sender"]!.dataset).toMatchObject({ kind: "not-in-directory", proven: "true" });
    expect(panel.elements["#verdict-headline"]!.text).toMatch(/absente de l'annuaire national.*extraction du/);
  });

  it("outside the trust space: marked", async () => {
    const { panel } = await open("outside");
    expect(panel.elements["#sender"]!.dataset).toMatchObject({ kind: "outside-trust-space", proven: "false", level: "danger" });
    expect(panel.elements["#verdict-headline"]!.text).toContain("hors de l'espace de confiance");
  });

  it("a forged From (the colleague's address from outside): only 'the address claims to be…'", async () => {
    const { panel } = await open("forged");
    expect(panel.elements["#sender"]!.dataset).toMatchObject({ kind: "professional", proven: "false", level: "warn" });
    expect(panel.elements["#verdict-headline"]!.text).toMatch(/^L'adresse prétend être/);
    expect(banners.forged).toMatchObject({ level: "warn" });
    expect(banners.forged!.text).toMatch(/^L'adresse prétend être/);
  });

  it("a patient's XDM under an X-MSS-INS header that contradicts its qualified INS: the panel says so (ECO.2.1.2)", async () => {
    const { panel } = await open("patient-ins-n");
    expect(panel.elements["#patient"]!.dataset).toMatchObject({ qualified: "true" });
    expect(panel.elements["#problems"]?.visible).toBe(true);
    expect(panel.elements["#problem-list"]!.text).toContain("L'en-tête X-MSS-INS contredit l'INS trouvé dans l'archive");
  });

  it("a patient with an XDM: the patient by name and INS, the documents, the subject without its prefix; the PDF opens", async () => {
    const { tabId, panel } = await open("patient");
    expect(panel.elements["#sender"]!.dataset).toMatchObject({ kind: "patient", proven: "true" });
    expect(panel.elements["#verdict-headline"]!.text).toBe("Patient (Mon espace santé) : Marie DURAND");
    expect(panel.elements["#subject"]!.text).toBe("Mes résultats de biologie");
    expect(panel.elements["#patient"]!.dataset).toMatchObject({ qualified: "true" });
    expect(panel.elements["#patient-grid"]!.text).toContain(`${PATIENT.id} — qualifiée`);
    expect(panel.elements["#patient-grid"]!.text).toContain("1.2.250.1.213.1.4.8");
    expect(panel.elements["#document-list"]!.text).toContain("Compte rendu de biologie");
    expect(panel.elements["#document-list"]!.text).toContain("Lettre de liaison");
    expect(panel.elements["#document-list"]!.text).toContain("taille et empreinte vérifiées");
    expect(panel.elements["#problems"]?.visible).toBe(false);

    await click(d(), `${READING}?tabId=${tabId}`, "#open-doc-0");
    const pdf = await waitFor(
      "the PDF in a tab",
      async () =>
        await d().chrome<{ uri: string; type: string | null } | null>(
          `for (const w of Services.wm.getEnumerator("mail:3pane")) {
             for (const t of w.document.getElementById("tabmail").tabInfo) {
               const b = t.browser; const u = b && b.currentURI && b.currentURI.spec;
               if (u && u.startsWith("blob:")) return { uri: u, type: b.documentContentType || null };
             }
           }
           return null;`,
        ),
      30_000,
      250,
    );
    expect(pdf.uri).toMatch(/^blob:moz-extension:/);
    await new Promise((r) => setTimeout(r, 2000));
    const shot = await screenshot(xvfb.display, SHOTS, "reading-patient-pdf");
    cpSync(shot, path.join(DOCS_SHOTS, "reading-patient-pdf.png"));

    // The structured CDA: the reader's script-free HTML in the document page's sandboxed frame.
    await openExtensionPage(env, `${READING}?tabId=${tabId}`);
    await click(d(), `${READING}?tabId=${tabId}`, "#open-doc-1");
    const doc = await waitForPage(
      d(),
      "pages/reading/document.html",
      ["#cda", "#error"],
      (p) => !!p.elements["#cda"]?.visible,
      "the structured CDA in its frame",
    );
    expect(doc.elements["#error"]!.visible).toBe(false);
    const cdaShot = await screenshot(xvfb.display, SHOTS, "reading-patient-cda");
    cpSync(cdaShot, path.join(DOCS_SHOTS, "reading-patient-cda.png"));
  });
});
