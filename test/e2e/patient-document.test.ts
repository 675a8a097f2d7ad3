/**
 * Issue 18, the sending side, in a real Thunderbird 153 (French) on an Xvfb display: the doctor's
 * account made in one click; a new message to a colleague; the extension's "Joindre un document
 * patient" form (pages/compose/compose.html for that compose tab, the page the compose action's
 * popup opens) takes a PDF, the type, the patient's traits and a test INS, and attaches
 * IHE_XDM.zip and the PDF, and fills the subject; a read receipt is asked for. Sent with the card:
 * the message Postfix delivers into the colleague's Dovecot mailbox has the ECO.2.1.3 subject,
 * X-MSS-CODECDA and X-MSS-INS, Disposition-Notification-To, the PDF named per ECO.2.1.6 and an
 * archive the reader reads (X-MSS-INS cross-checked); Thunderbird asked for a DSN (NOTIFY in
 * the envelope: Postfix sends the sender its success notice). Screenshots under docs/screenshots/.
 */
import { cpSync, mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { xdmFromEml } from "../../shared/xdm/eml-attachment.ts";
import { readXdmArchive } from "../../shared/xdm/read-xdm.ts";
import { REPO_ROOT } from "../harness/bridge-process.ts";
import { waitFor } from "../harness/e2e-process.ts";
import { COLLEAGUES, DOCTOR, E2E_COMPONENTS, startE2EEnv, type E2EEnv } from "../harness/e2e-env.ts";
import { mimeLeaves, topHeaders } from "../harness/mime-parts.ts";
import { missingComponents } from "../harness/require-component.ts";
import { startXvfb, type Xvfb } from "../harness/screenshot.ts";
import { listAccounts } from "./support/chrome.ts";
import { pageFile, pageSet } from "./support/pages.ts";
import { provisionInOneClick } from "./support/one-click-setup.ts";
import { arrangeMainWindow, click, openExtensionPage, screenshot, startSend, ui, waitForPage } from "./ui-session.ts";

const reason = missingComponents("e2e patient document (compose)", [...E2E_COMPONENTS, "Xvfb", "xwd", "thunderbird-l10n-fr"]);
const SHOTS = path.join(REPO_ROOT, "test-results", "screenshots");
const DOCS_SHOTS = path.join(REPO_ROOT, "docs", "screenshots");
const COLLEAGUE = COLLEAGUES[0].address;
/** An invented INS with its key, under the test OID. */
const INS = "279035121518989";
/** A PDF with the usual binary comment line, so that Thunderbird sends it base64 like any real one. */
const PDF = new Uint8Array([
  ...new TextEncoder().encode("%PDF-1.4\n%"),
  0xe2,
  0xe3,
  0xcf,
  0xd3,
  ...new TextEncoder().encode("\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"),
]);

describe.skipIf(reason)("a patient document attached from the compose window (issue 18)", () => {
  let xvfb: Xvfb;
  let env: E2EEnv;
  const d = () => env.tb!.driver;
  /** The compose tab, once its document is attached; the marker in its body. */
  let tabId = 0;
  let marker = "";

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    mkdirSync(DOCS_SHOTS, { recursive: true });
    xvfb = await startXvfb({ width: 1280, height: 900 });
    env = await startE2EEnv({ thunderbirdOptions: { display: xvfb.display, prefs: { "intl.locale.requested": "fr" } } });
    await arrangeMainWindow(d(), 1280, 900);
  });
  afterAll(async () => {
    await env?.stop();
    await xvfb?.stop();
  });

  it("attaches the document through the form: a wrong INS key refused in French, then IHE_XDM.zip, the PDF and the subject", async () => {
    const s = await provisionInOneClick(env);
    expect(s.elements["#result"]!.dataset).toMatchObject({ outcome: "success" });
    const { accounts } = await listAccounts(d());
    const identityId = accounts.find((a) => a.identities[0]?.email === DOCTOR.address)!.identities[0]!.key;

    marker = `e2e-patient-document-${Date.now()}`;
    const tab = await d().api<{ id: number }>("compose.beginNew", null, {
      identityId,
      to: [COLLEAGUE],
      plainTextBody: `Bonjour,\nle compte rendu de Mme Durand.\n${marker}\n`,
      isPlainText: true,
    });
    const page = `pages/compose/compose.html?tabId=${tab.id}`;
    tabId = tab.id;
    await openExtensionPage(env, page);
    const form = ["#form", "#type", "#author", "#types-source", "#block-reply", "#return-receipt", "#result", "#attached", "#oid-test"];
    const ready = await waitForPage(
      d(),
      page,
      form,
      (p) => p.elements["#form"]?.visible === true && !!p.elements["#author"]?.text?.includes("810001234567"),
      "the form",
      30_000,
    );
    expect(ready.elements["#types-source"]?.text).toContain("JDV_J07-XdsTypeCode-CISIS");
    // Not a message to a patient: "Bloquer la réponse du patient" is off and cannot be chosen.
    expect(ready.elements["#block-reply"]).toMatchObject({ checked: false, disabled: true });

    // A wrong INS key first: a clear French reason, nothing attached.
    await pageFile(d(), page, "#pdf", { name: "compte-rendu.pdf", type: "application/pdf", bytes: PDF });
    await pageSet(d(), page, "#type", "11488-4");
    await pageSet(d(), page, "#family", "DURAND");
    await pageSet(d(), page, "#given", "Marie");
    await pageSet(d(), page, "#birth-date", "1979-03-12");
    await pageSet(d(), page, "#sex", "F");
    await pageSet(d(), page, "#ins", `${INS.slice(0, 13)}00`);
    await pageSet(d(), page, "#ins-oid", "1.2.250.1.213.1.4.10");
    await click(d(), page, "#attach");
    const refused = await waitForPage(d(), page, form, (p) => p.elements["#result"]?.dataset?.outcome === "failure", "the refusal", 30_000);
    expect(refused.elements["#result"]?.dataset?.code).toBe("INS_KEY");
    expect(refused.elements["#result"]?.text).toContain("la clé de l'INS (deux derniers chiffres) est fausse");
    expect(refused.elements["#oid-test"]?.visible).toBe(true); // the test OID is marked as such

    await pageSet(d(), page, "#ins", INS);
    await click(d(), page, "#return-receipt");
    await click(d(), page, "#attach");
    const done = await waitForPage(
      d(),
      page,
      form,
      (p) => p.elements["#result"]?.dataset?.outcome === "success",
      "the attached document",
      30_000,
    );
    expect(done.elements["#attached"]?.text).toContain("XDM/1.0/DDM+CR ou fiche de consultation ou de visite DURAND Marie 12/03/1979");
    // The test PDF declares no PDF/A (ECO.2.1.5): attached, and the GP is told in French.
    expect(done.elements["#result"]?.dataset?.warnings).toBe("PDF_NOT_PDFA");
    expect(done.elements["#result"]?.text).toContain("le PDF ne se déclare pas PDF/A");
    // The form (main window, left) beside the compose window with its two attachments and subject (right).
    await ui(d(), "arrangeWindow", "mail:3pane", 0, 0, 700, 900);
    await ui(d(), "arrangeWindow", "msgcompose", 700, 0, 580, 900);
    const shot = await screenshot(xvfb.display, SHOTS, "compose-patient-document");
    cpSync(shot, path.join(DOCS_SHOTS, "compose-patient-document.png"));
  });

  it("the compose action's popup shows this message's choices and the attached document", async () => {
    expect(tabId, "the document was attached").toBeGreaterThan(0);
    // The compose action's popup over the compose window: this message's choices and the document attached.
    const popup = await waitFor(
      "the compose action's popup",
      async () =>
        await d().chrome<{ attached: boolean; receipt: boolean | null } | null>(
          `const w = Services.wm.getMostRecentWindow("msgcompose");
           const button = [...w.document.querySelectorAll("toolbarbutton")].find((b) => b.id.includes("mss-bridge-composeAction"));
           if (!button) throw new Error("no compose action button");
           const browser = [...w.document.querySelectorAll("browser")].find((b) => b.currentURI && b.currentURI.spec.includes("pages/compose/compose.html"));
           const wg = browser && browser.browsingContext && browser.browsingContext.currentWindowGlobal;
           if (!wg) { if (!driverState.composePopupClicked) { driverState.composePopupClicked = true; button.dispatchEvent(new w.MouseEvent("mousedown", { button: 0, bubbles: true })); } return null; }
           const snap = await wg.getActor("MssE2EPage").sendQuery("snapshot", { selectors: ["#attached", "#return-receipt", "#open-form"] });
           if (!snap.elements["#attached"] || !snap.elements["#attached"].visible) return null;
           return { attached: true, receipt: snap.elements["#return-receipt"].checked };`,
        ),
      20_000,
      300,
    );
    expect(popup).toEqual({ attached: true, receipt: true });
    const popupShot = await screenshot(xvfb.display, SHOTS, "compose-action-popup");
    cpSync(popupShot, path.join(DOCS_SHOTS, "compose-action-popup.png"));
    await d().chrome(
      `for (const p of Services.wm.getMostRecentWindow("msgcompose").document.querySelectorAll("panel")) if (p.state === "open") p.hidePopup(); return true;`,
    );
  });

  it("sends with the X-MSS headers, a DSN request and a read receipt; the colleague gets a readable archive and the PDF", async () => {
    expect(tabId, "the document was attached").toBeGreaterThan(0);
    const tab = { id: tabId };
    const attachments = await d().api<{ name: string; size: number }[]>("compose.listAttachments", tab.id);
    expect(attachments.map((a) => a.name)).toEqual(["IHE_XDM.zip", expect.stringMatching(/^\d{8}_11488-4_DURAND_Marie\.pdf$/)]);
    const details = await d().api<{ subject: string; returnReceipt: boolean }>("compose.getComposeDetails", tab.id);
    expect(details.subject).toBe("XDM/1.0/DDM+CR ou fiche de consultation ou de visite DURAND Marie 12/03/1979");

    const postfixMark = env.postfix.logMark();
    const sent = await startSend(d(), tab.id);
    expect(sent).toEqual({ ok: true });
    const delivered = await env.dovecot.waitForMessage(COLLEAGUE, marker, 30_000);
    const headers = topHeaders(delivered);
    expect(headers.get("subject")).toBe("XDM/1.0/DDM+CR ou fiche de consultation ou de visite DURAND Marie 12/03/1979");
    expect(headers.get("x-mss-codecda")).toBe("11488-4");
    expect(headers.get("x-mss-ins")).toBe("O");
    expect(headers.has("x-mss-nil")).toBe(false); // not declared to ANS yet: left out
    expect(headers.has("x-mss-mes")).toBe(false); // not chosen, and not to a patient
    expect(headers.get("disposition-notification-to")).toContain(DOCTOR.address); // ECO.3.1.6, the GP's choice

    const eml = xdmFromEml(Buffer.from(delivered, "latin1"));
    expect(eml.reason).toBe("found");
    const { reading } = await readXdmArchive(eml.archive!, { insHeader: eml.insHeader });
    expect(reading.problems.map((p) => p.code)).toEqual(["INS_TEST"]);
    expect(reading.patient).toMatchObject({
      ins: INS,
      qualified: "test",
      family: "DURAND",
      given: "Marie",
      birthDate: "1979-03-12",
      sex: "F",
    });
    expect(reading.documents.map((x) => [x.typeCode, x.sizeOk, x.hashOk])).toEqual([["11488-4", true, true]]);
    expect(reading.documents[0]?.author).toMatch(/DUPONT/i); // the card's holder
    const pdf = mimeLeaves(delivered).find((p) => p.name?.endsWith(".pdf"));
    expect(pdf?.name).toMatch(/^\d{8}_11488-4_DURAND_Marie\.pdf$/);
    expect(new Uint8Array(pdf!.body)).toEqual(PDF);

    // ECO.2.3.1: Thunderbird put NOTIFY in the envelope; Postfix, once delivered, tells the sender.
    await env.postfix.waitForLog(/sender delivery status notification/, 20_000, postfixMark);
  });
});
