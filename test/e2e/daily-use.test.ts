/**
 * End to end, part 2 (issue #6): what the doctor does every day, in a real Thunderbird 153 on an
 * Xvfb display, on the #5 environment (SoftHSM CPS3 token bound to the virtual card in pcscd,
 * dnsmasq SRV, Dovecot + Postfix, the generated directory, the test trust list, the bridge, the
 * built .xpi and the test driver). One environment for the whole file (starting Thunderbird is
 * the expensive part); the tests run in order:
 *
 *   PIN state   the token's flags faked to final-try at the PKCS#11 boundary (test-only env on a
 *               restarted bridge): the setup page warns before any logon, no PIN prompt raised;
 *               declining creates no account at all
 *   provision   one click (the account the other proofs need), screenshots before and after
 *   autocomplete "helene lefev" → LEFÈVRE-MOREAU's MSSanté address first, through the real provider
 *               (the addrbook autocomplete component, and a real compose window's To field, whose
 *               search delay the mssComposeFields Experiment has set to 0), every search of the
 *               book answered in the parent process (the mssDirectorySearch Experiment's connection)
 *   guard       blocks and names an address outside the trust space; "remove these recipients and
 *               send" delivers to the trusted colleague only, in the same click (into Dovecot; Postfix
 *               never sees the removed address); uses its cached list with the bridge down;
 *               a patient address with a wrong INS key is stopped with the reason, a valid one
 *               (Corsica's 2A) with a colleague is only pointed out as a mix
 *   card events pull → status within 1 s of the bridge's card.changed, checks paused; insert → both back
 *   screenshots non-empty PNGs of the display's size under test-results/screenshots/
 * Thunderbird runs in French (intl.locale.requested = fr, Debian's thunderbird-l10n-fr), as a GP's.
 */
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { ADDRESS_BOOK_ID } from "../../extension/background/addressbook-provider.ts";
import { missingComponents } from "../harness/require-component.ts";
import { COLLEAGUES, DOCTOR, E2E_COMPONENTS, startE2EEnv, type E2EEnv } from "../harness/e2e-env.ts";
import { openClient, pairWithNativeHost, REPO_ROOT, TEST_ORIGIN, type BridgeProcess, type TestClient } from "../harness/bridge-process.ts";
import { waitFor } from "../harness/e2e-process.ts";
import { distinctColours, readPngInfo, startXvfb, type Xvfb } from "../harness/screenshot.ts";
import { listAccounts } from "./support/chrome.ts";
import { setupPageReady } from "./support/one-click-setup.ts";
import {
  addrbookAutocomplete,
  arrangeMainWindow,
  cardPresentIn,
  click,
  closeComposeWindows,
  extStatus,
  GUARD_PAGE,
  openExtensionPage,
  openSetupPage,
  POPUP_PAGE,
  restartBridge,
  screenshot,
  serverChecks,
  SETUP_PAGE,
  singleSetupTab,
  startSend,
  storage,
  ui,
  waitForBridgeKind,
  waitForPage,
  zoomPage,
  type GuardRecord,
} from "./ui-session.ts";

/**
 * Parent-process code: "watch" counts, once the mssDirectorySearch Experiment has put its own search
 * on the provider's book (false before), every search of the book and those answered by the
 * provider's own search (through the extension's process); "count" returns both and takes the
 * counting away.
 */
const SEARCH_PATHS = `
  const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
  const book = MailServices.ab.getDirectory("searchaddr://" + args.book).wrappedJSObject;
  const proto = Object.getPrototypeOf(book);
  if (args.action === "count") {
    const w = driverState.searchPaths;
    book.search = w.own;
    proto.search = w.provider;
    delete driverState.searchPaths;
    return { asked: w.asked, viaExtension: w.viaExtension };
  }
  if (!Object.prototype.hasOwnProperty.call(book, "search")) return false;
  const w = { asked: 0, viaExtension: 0, own: book.search, provider: proto.search };
  driverState.searchPaths = w;
  book.search = function (...a) { w.asked++; return w.own.apply(this, a); };
  proto.search = function (...a) { w.viaExtension++; return w.provider.apply(this, a); };
  return true;
`;

const reason = missingComponents("e2e daily use (autocomplete, guard, card events, PIN state, screenshots)", [
  ...E2E_COMPONENTS,
  "Xvfb",
  "xwd",
  "thunderbird-l10n-fr",
]);

const SHOTS = path.join(REPO_ROOT, "test-results", "screenshots");
const WIDTH = 1280;
const HEIGHT = 900;
const HELENE = COLLEAGUES[0];
const OUTSIDE = "dr.martin@example.com";

describe.skipIf(reason)("daily use in a real Thunderbird (issue #6)", () => {
  const started = Date.now();
  let xvfb: Xvfb;
  let env: E2EEnv;
  /** The bridge currently running (the harness's, or one restarted by a test). */
  let bridge: BridgeProcess;
  let ownBridge = false;
  const shots: Record<string, string> = {};
  const d = () => env.tb!.driver;

  beforeAll(async () => {
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    xvfb = await startXvfb({ width: WIDTH, height: HEIGHT });
    // Thunderbird in French, the doctor's language (Debian's language pack): the extension follows it.
    // A service bridge (`mss-bridge start`): these tests stop and restart it themselves.
    env = await startE2EEnv({ bridge: "service", thunderbirdOptions: { display: xvfb.display, prefs: { "intl.locale.requested": "fr" } } });
    bridge = env.bridge!;
    await arrangeMainWindow(d(), WIDTH, HEIGHT);
    console.log(`[e2e] daily use: environment up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  afterAll(async () => {
    if (ownBridge) await bridge?.stop().catch(() => undefined);
    await env?.stop();
    await xvfb?.stop();
    console.log(`[e2e] daily use: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it("shows the setup page before provisioning (screenshot)", async () => {
    await openSetupPage(env);
    const s = await waitForPage(
      d(),
      SETUP_PAGE,
      ["h1", "#state-bridge", "#state-card", "#state-pin", "#candidates input[name=address]"],
      (p) => p.elements["#state-pin"]?.dataset?.state === "ok" && !!p.elements["#candidates input[name=address]"]?.exists,
      "the setup page with the card read",
    );
    // A French Thunderbird, and the extension speaks French in it.
    expect(await d().chrome(`return Services.locale.appLocaleAsBCP47;`)).toBe("fr");
    expect(s.elements.h1!.text).toBe("Configurer MSSanté avec la carte CPS");
    expect(s.elements["#state-bridge"]!.dataset!.state).toBe("connected");
    expect(s.text).toContain(DOCTOR.address);
    shots.setupBefore = await screenshot(xvfb.display, SHOTS, "setup-before-provisioning");
  });

  it("PIN state: with the token at final-try, the setup page warns before any logon and no PIN prompt is raised", async () => {
    const dovecotMark = env.dovecot.logMark();
    // The test-only fake at the PKCS#11 boundary lives in the bridge process's own environment.
    bridge = await restartBridge(env, bridge, { MSS_BRIDGE_TEST_PKCS11_FAKE: JSON.stringify({ pinFlags: "final-try" }) });
    ownBridge = true;
    const s = await waitForPage(
      d(),
      SETUP_PAGE,
      ["#state-pin", "#create"],
      (p) => p.elements["#state-pin"]?.dataset?.state === "final-try",
      "the setup page to show the final-try PIN state",
    );
    // The warning is on screen as soon as the card is read, before anything asks for the PIN.
    expect(s.elements["#state-pin"]!.text).toMatch(/final try|dernier essai/i);
    expect((await d().prompts()).pinPrompts).toBe(0);
    shots.pinWarning = await screenshot(xvfb.display, SHOTS, "setup-pin-final-try");

    // Trying to provision asks first (the PIN gate) — still no PIN prompt, no login attempted.
    await click(d(), SETUP_PAGE, "#create");
    const q = await waitForPage(
      d(),
      SETUP_PAGE,
      ["#confirm", "#confirm-text"],
      (p) => !!p.elements["#confirm"]?.visible,
      "the final-try question",
    );
    expect(q.elements["#confirm-text"]!.text).toMatch(/ONE try|UN essai/i);
    expect((await d().prompts()).pinPrompts).toBe(0);
    await click(d(), SETUP_PAGE, "#confirm-no");
    await waitForPage(d(), SETUP_PAGE, ["#confirm"], (p) => !p.elements["#confirm"]?.visible, "the question to close");

    const prompts = await d().prompts();
    expect(prompts.pinPrompts).toBe(0);
    expect(prompts.events.filter((e) => e.kind === "pin-prompt")).toEqual([]);
    expect(env.dovecot.log().slice(dovecotMark)).not.toMatch(/method=EXTERNAL/);
    const st = await storage<{
      "mss.status": { pin: { state: string } };
      "mss.accounts": unknown[] | null;
      "mss.lastSetup": Record<string, unknown> | null;
    }>(d(), ["mss.status", "mss.accounts", "mss.lastSetup"]);
    expect(st["mss.status"].pin.state).toBe("final-try");
    // Declining at the PIN gate left Thunderbird without any account: none for the doctor (nor any
    // other IMAP account), none recorded by the extension, and the page says nothing was created.
    expect(st["mss.lastSetup"]).toMatchObject({ phase: "provision", ok: false, step: "pin", code: "pin-declined" });
    expect(st["mss.accounts"] ?? []).toEqual([]);
    const tb = await listAccounts(d());
    expect(tb.accounts.filter((a) => a.identities.some((i) => i.email.toLowerCase() === DOCTOR.address.toLowerCase()))).toEqual([]);
    expect(tb.accounts.filter((a) => a.incoming?.type === "imap")).toEqual([]);
    const declined = await waitForPage(
      d(),
      SETUP_PAGE,
      ["#result", "#result-text"],
      (p) => !!p.elements["#result"]?.visible,
      "the declined outcome",
    );
    expect(declined.elements["#result"]!.dataset).toMatchObject({ outcome: "failure", code: "pin-declined" });
    expect(declined.elements["#result-text"]!.text).toMatch(/Aucun compte|No account/);

    // Back to the real token for the rest of the file.
    bridge = await restartBridge(env, bridge);
    await waitForPage(
      d(),
      SETUP_PAGE,
      ["#state-pin"],
      (p) => p.elements["#state-pin"]?.dataset?.state === "ok",
      "the PIN state back to ok",
    );
  });

  it("provisions the account from the card in one click (screenshot after)", async () => {
    await setupPageReady(d());
    const clickedAt = Date.now();
    await click(d(), SETUP_PAGE, "#create");
    // The outcome of THIS click (the page may still show the previous one).
    await waitFor(
      "the setup outcome",
      async () => {
        const last = (await storage<{ "mss.lastSetup": { at: string; phase: string } | null }>(d(), ["mss.lastSetup"]))["mss.lastSetup"];
        return last && last.phase === "provision" && Date.parse(last.at) >= clickedAt - 1000 ? last : null;
      },
      120_000,
      200,
    );
    const s = await waitForPage(
      d(),
      SETUP_PAGE,
      ["#result", "#result-text", "#steps"],
      (p) => !!p.elements["#result"]?.visible,
      "the outcome on the page",
      10_000,
    );
    const st = await storage<{
      "mss.accounts": Array<{ accountId: string; email: string }> | null;
      "mss.lastSetup": Record<string, unknown> | null;
    }>(d(), ["mss.accounts", "mss.lastSetup"]);
    console.log(`[e2e] daily use: setup outcome ${s.elements["#result"]!.dataset!.outcome} ${s.elements["#result"]!.dataset!.code ?? ""}`);
    // This click created the account (the declined final-try run before it created none) and the
    // logon with the card worked.
    expect(s.elements["#result"]!.dataset, `${s.elements["#result-text"]?.text} ${JSON.stringify(st["mss.lastSetup"])}`).toMatchObject({
      outcome: "success",
      code: "created",
    });
    expect(st["mss.lastSetup"]).toMatchObject({ phase: "provision", ok: true, action: "created", address: DOCTOR.address });
    expect(st["mss.accounts"]?.map((a) => a.email)).toEqual([DOCTOR.address]);
    const tb = await listAccounts(d());
    const doctors = tb.accounts.filter((a) => a.identities.some((i) => i.email.toLowerCase() === DOCTOR.address.toLowerCase()));
    expect(doctors.map((a) => a.key)).toEqual([st["mss.accounts"]![0]!.accountId]);
    // The logon worked: the setup's hold on its checks is released.
    const held = await d().chrome<boolean | null>(
      `const s = MailServices.accounts.getAccount(args.id).incomingServer; try { return s.getBoolValue("mss_checks_held"); } catch { return null; }`,
      { id: doctors[0]!.key },
    );
    expect(held).toBe(false);
    await singleSetupTab(d(), "first");
    await zoomPage(d(), SETUP_PAGE, 0.67); // steps and outcome on one screen
    shots.setupAfter = await screenshot(xvfb.display, SHOTS, "setup-after-provisioning");
    await zoomPage(d(), SETUP_PAGE, 1);
  });

  it("autocomplete: 'helene lefev' gives LEFÈVRE-MOREAU's MSSanté address first through the real address book provider, answered in the parent process", async () => {
    // 0. The mssDirectorySearch Experiment answers the provider's book in the parent process, over
    //    its own connection to the bridge: counted below, with the searches that went through the
    //    extension's process (the provider's own search, which the Experiment falls back to).
    await waitFor(
      "the directory answered in Thunderbird's parent process",
      async () => ((await d().chrome<boolean>(SEARCH_PATHS, { book: ADDRESS_BOOK_ID, action: "watch" })) ? true : null),
      15_000,
      100,
    );
    // 1. The real autocomplete component, as a compose To field calls it.
    const r = await addrbookAutocomplete(d(), "helene lefev");
    // 2. A real compose window: typed key by key into the To field; its controller's rows are what
    //    its list shows.
    await d().api("compose.beginNew", { subject: "Autocomplétion" });
    await ui(d(), "arrangeWindow", "msgcompose", 0, 0, WIDTH, HEIGHT);
    // The mssComposeFields Experiment: the To field searches at each keystroke (no 200 ms pause).
    const delay = await waitFor(
      "the To field's search delay set",
      async () =>
        await d().chrome<string | null>(
          `const w = Services.wm.getMostRecentWindow("msgcompose");
           const i = w && w.document.querySelector("input.address-row-input[autocompletesearch]");
           return i && i.getAttribute("timeout") === "0" ? i.getAttribute("timeout") : null;`,
        ),
      10_000,
      100,
    );
    expect(delay).toBe("0");
    const typed = await ui<{ popupOpen: boolean; rows: Array<{ value: string }>; typed: string }>(
      d(),
      "typeRecipient",
      "helene lefev",
      15_000,
      false,
    );
    // 3. The list as a person sees it (several Lefèvre in the directory keep it open): screenshot.
    const shown = await ui<{ popupOpen: boolean; rows: Array<{ value: string }> }>(d(), "typeRecipient", "lefev", 15_000, true);
    shots.autocomplete = await screenshot(xvfb.display, SHOTS, "autocomplete-popup");

    expect(r.rows.length, JSON.stringify(r)).toBeGreaterThan(0);
    expect(r.rows[0]!.value, JSON.stringify(r.rows)).toContain(`<${HELENE.address}>`);
    // The card Thunderbird made from the provider's vCard has every field the contact has.
    expect(r.rows[0]!.card, JSON.stringify(r.rows[0])).toMatchObject({
      PrimaryEmail: HELENE.address,
      FirstName: HELENE.givenName,
      LastName: HELENE.surname,
      WorkCity: HELENE.city,
      JobTitle: `${HELENE.profession} — ${HELENE.specialty}`,
    });
    expect(r.rows[0]!.value).toContain(r.rows[0]!.card.DisplayName);
    expect(r.rows[0]!.card.Notes?.split("\n")).toEqual(
      expect.arrayContaining([`Spécialité : ${HELENE.specialty}`, `Identifiant national : ${HELENE.idNat}`]),
    );
    expect(r.rows[0]!.value).toMatch(/Lef[èe]vre-Moreau/i);
    expect(typed.rows[0]?.value, JSON.stringify(typed)).toContain(`<${HELENE.address}>`);
    expect(shown.popupOpen).toBe(true);
    expect(shown.rows.map((x) => x.value).join("\n")).toContain(`<${HELENE.address}>`);
    // Every search of the book was answered in the parent process; none through the extension's.
    const paths = await d().chrome<{ asked: number; viaExtension: number }>(SEARCH_PATHS, { book: ADDRESS_BOOK_ID, action: "count" });
    expect(paths.asked, JSON.stringify(paths)).toBeGreaterThanOrEqual(3); // the component's search, then each typing's
    expect(paths.viaExtension, JSON.stringify(paths)).toBe(0);
    await ui(d(), "closePopups");
    await closeComposeWindows(d());
  });

  it("guard: stops a send to an address outside the trust space and names it; one click removes it and sends to the trusted colleague only", async () => {
    await closeComposeWindows(d());
    const subject = `Avis cardiologique ${Date.now()}`;
    const tab = await d().api<{ id: number }>("compose.beginNew", {
      to: [`Hélène Lefèvre-Moreau <${HELENE.address}>`, OUTSIDE],
      subject,
      plainTextBody: "Bonjour, voici le compte rendu.",
      isPlainText: true,
    });
    await ui(d(), "arrangeWindow", "msgcompose", 0, 0, WIDTH, HEIGHT);
    const send1 = startSend(d(), tab.id);
    const g = await waitForPage(
      d(),
      GUARD_PAGE,
      ["body", "#guard-blocked li", "#guard-remove"],
      (p) => !!p.elements["#guard-blocked li"]?.exists,
      "the guard's window",
    );
    expect(g.elements.body!.dataset!.reason).toBe("untrusted-recipients");
    expect(g.elements["#guard-blocked li"]!.text).toContain(OUTSIDE);
    expect(g.text).not.toContain(HELENE.address);
    shots.guard = await screenshot(xvfb.display, SHOTS, "guard-blocked");

    // The dialog says the message leaves to the others in the same click.
    expect(g.elements["#guard-remove"]!.text).toBe("Retirer ces destinataires et envoyer");

    // One click: the outside address is removed and the message leaves at once, to the trusted
    // colleague only, and is delivered into her mailbox.
    const postfixMark = env.postfix.logMark();
    await click(d(), GUARD_PAGE, "#guard-remove");
    const delivered = await env.dovecot.waitForMessage(HELENE.address, subject, 60_000);
    expect(delivered).toContain(`From: Dr_Jean_DUPONT <${DOCTOR.address}>`); // ECO.2.2.7
    const toHeader = /^To:(.*)$/m.exec(delivered.replace(/\r?\n[ \t]+/g, " "))?.[1] ?? "";
    expect(toHeader).toContain(HELENE.address);
    expect(delivered).not.toContain(OUTSIDE);
    await env.postfix.waitForLog(new RegExp(`to=<${HELENE.address}>.*status=sent`), 10_000, postfixMark);
    // Postfix never heard of the removed address (no RCPT, no delivery attempt).
    expect(env.postfix.log().slice(postfixMark)).not.toContain(OUTSIDE);
    const r1 = await Promise.race([send1, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
    // sendMessage may stay pending while Thunderbird files the copy in Sent; it never fails here.
    expect(r1 === null || r1.ok, JSON.stringify(r1)).toBe(true);
    const block = (await storage<{ "mss.lastGuard": GuardRecord }>(d(), ["mss.lastGuard"]))["mss.lastGuard"];
    expect(block).toMatchObject({
      action: "block",
      reason: "untrusted-recipients",
      blocked: [OUTSIDE],
      choice: "remove",
      listSource: "live",
    });
    await closeComposeWindows(d());
  });

  it("guard, patients (ECO.2.2.6): a patient address with a wrong INS key is stopped and the dialog says why; a valid one (Corsica) is not stopped for it", async () => {
    await closeComposeWindows(d());
    // Invented INS matricules; keys computed outside the extension (97 − number mod 97, 2A → 19).
    const badKey = "279035121518988@patient.mssante.fr"; // its key is 89
    const corsica = "185052A00412356@patient.mssante.fr";
    const tab = await d().api<{ id: number }>("compose.beginNew", {
      to: [`Mme Durand <${badKey}>`],
      subject: `Résultats ${Date.now()}`,
      plainTextBody: "Bonjour, voici vos résultats.",
      isPlainText: true,
    });
    const send1 = startSend(d(), tab.id);
    const g = await waitForPage(
      d(),
      GUARD_PAGE,
      ["body", "#guard-title", "#guard-reason", "#guard-blocked li", "#guard-anyway-box", "#guard-remove"],
      (p) => p.elements.body?.dataset?.reason === "invalid-patient-address" && !!p.elements["#guard-blocked li"]?.exists,
      "the guard's window for the patient address",
    );
    expect(g.elements["#guard-title"]!.text).toBe("Envoi arrêté : message à un patient (Mon espace santé)");
    expect(g.elements["#guard-blocked li"]!.text).toBe(
      `${badKey} — adresse patient invalide : la clé de l'INS (deux derniers chiffres) est fausse`,
    );
    // No "send anyway" for an address that reaches nobody; removing it (or going back) only.
    expect(g.elements["#guard-anyway-box"]!.visible).toBe(false);
    expect(g.elements["#guard-remove"]!.visible).toBe(true);
    await click(d(), GUARD_PAGE, "#guard-cancel");
    expect((await send1).ok).toBe(false);
    const rec = (await storage<{ "mss.lastGuard": GuardRecord }>(d(), ["mss.lastGuard"]))["mss.lastGuard"];
    // The record never holds the INS.
    expect(rec).toMatchObject({
      action: "block",
      reason: "invalid-patient-address",
      blocked: ["[INS]@patient.mssante.fr"],
      choice: "cancel",
    });
    await closeComposeWindows(d());

    // A valid key (Corsica's 2A) with a colleague: not stopped for the address; the mix is pointed out.
    const tab2 = await d().api<{ id: number }>("compose.beginNew", {
      to: [corsica, HELENE.address],
      subject: `Résultats ${Date.now()}`,
      plainTextBody: "Bonjour.",
      isPlainText: true,
    });
    const send2 = startSend(d(), tab2.id);
    const m = await waitForPage(
      d(),
      GUARD_PAGE,
      ["body", "#guard-reason", "#guard-mixed-patients li", "#guard-go-on", "#guard-blocked li"],
      (p) => p.elements.body?.dataset?.reason === "patient-with-professionals",
      "the guard's window for a patient with a colleague",
    );
    expect(m.elements["#guard-blocked li"]?.exists ?? false).toBe(false);
    expect(m.elements["#guard-mixed-patients li"]!.text).toBe(corsica.toLowerCase());
    expect(m.elements["#guard-go-on"]!.visible).toBe(true);
    expect(m.text).not.toContain("clé de l'INS");
    await click(d(), GUARD_PAGE, "#guard-cancel");
    expect((await send2).ok).toBe(false);
    const rec2 = (await storage<{ "mss.lastGuard": GuardRecord }>(d(), ["mss.lastGuard"]))["mss.lastGuard"];
    expect(rec2).toMatchObject({ action: "block", reason: "patient-with-professionals", blocked: [], choice: "cancel" });
    await closeComposeWindows(d());
  });

  it("guard: with the bridge stopped, it decides from its cached trust-space list", async () => {
    const cache = (await storage<{ "mss.trustCache": { domains: string[] } | null }>(d(), ["mss.trustCache"]))["mss.trustCache"];
    expect(cache?.domains).toContain("mssante.test");
    await bridge.stop();
    await waitForBridgeKind(d(), (k) => k !== "connected", "the extension to see the bridge down");

    const tab = await d().api<{ id: number }>("compose.beginNew", {
      to: [OUTSIDE],
      subject: "Sans passerelle",
      plainTextBody: "Test.",
      isPlainText: true,
    });
    const send = startSend(d(), tab.id);
    const g = await waitForPage(
      d(),
      GUARD_PAGE,
      ["body", "#guard-blocked li"],
      (p) => !!p.elements["#guard-blocked li"]?.exists,
      "the guard's window (bridge down)",
    );
    expect(g.elements.body!.dataset!.reason).toBe("untrusted-recipients");
    expect(g.elements["#guard-blocked li"]!.text).toContain(OUTSIDE);
    await click(d(), GUARD_PAGE, "#guard-cancel");
    expect((await send).ok).toBe(false);
    const rec = (await storage<{ "mss.lastGuard": GuardRecord }>(d(), ["mss.lastGuard"]))["mss.lastGuard"];
    expect(rec).toMatchObject({
      action: "block",
      reason: "untrusted-recipients",
      blocked: [OUTSIDE],
      choice: "cancel",
      listSource: "cache",
    });
    await closeComposeWindows(d());

    bridge = await restartBridge(env, bridge);
    await waitForBridgeKind(d(), (k) => k === "connected", "the extension to reconnect");
  });

  it("card events: pulling the card shows in the status within 1 s of the bridge's notification and pauses checks; re-inserting restores both", async () => {
    const accountId = (await storage<{ "mss.accounts": Array<{ accountId: string }> }>(d(), ["mss.accounts"]))["mss.accounts"][0]!
      .accountId;
    await waitFor("the status to show the card", async () => cardPresentIn(await extStatus(d())), 20_000, 100);
    const before = await serverChecks(d(), accountId);
    expect(before).toMatchObject({ paused: false });

    // A second authenticated client of the bridge timestamps its card.changed notifications (the
    // bridge sends them to every client at once).
    const paired = await pairWithNativeHost(bridge, TEST_ORIGIN);
    const client: TestClient = await openClient(bridge.port, TEST_ORIGIN);
    await client.authenticate(paired.secret);
    const seen: Array<{ event: string; at: number }> = [];
    client.ws.on("message", (data: WebSocket.RawData) => {
      const at = Date.now();
      try {
        const m = JSON.parse(String(data)) as { method?: string; params?: { event?: string } };
        if (m.method === "card.changed" && m.params?.event) seen.push({ event: m.params.event, at });
      } catch {
        /* not JSON */
      }
    });
    try {
      // Pull: the bridge notifies; the extension's status (mss.status.updatedAt) follows.
      await env.pullCard();
      const removed = await waitFor("the bridge's card.changed removed", () => seen.find((e) => e.event === "removed"), 15_000, 20);
      const s1 = await waitFor(
        "the extension's status without the card",
        async () => {
          const s = await extStatus(d());
          return s && !cardPresentIn(s) ? s : null;
        },
        10_000,
        25,
      );
      const lagRemoved = Date.parse(s1.updatedAt) - removed.at;
      console.log(`[e2e] daily use: card pulled → status ${lagRemoved} ms after the bridge's notification`);
      expect(lagRemoved).toBeLessThan(1000);
      const paused = await waitFor(
        "checks paused",
        async () => {
          const s = await extStatus(d());
          return s?.checksPaused ? s : null;
        },
        10_000,
        50,
      );
      expect(paused.checksPaused).toBe(true);
      expect(await serverChecks(d(), accountId)).toEqual({ paused: true, doBiff: false, loginAtStartUp: false });
      // The toolbar popup's page says it too, in French.
      await openExtensionPage(env, POPUP_PAGE);
      const popupOut = await waitForPage(
        d(),
        POPUP_PAGE,
        ["#state-card", "#checks", "#identity"],
        (p) => p.elements["#state-card"]?.dataset?.state === "no-card",
        "the popup without the card",
      );
      expect(popupOut.elements["#checks"]!.text).toBe("en pause (carte retirée)");

      // Re-insert: status and checks come back.
      await env.insertCard();
      const inserted = await waitFor(
        "the bridge's card.changed inserted",
        () => seen.find((e) => e.event === "inserted" && e.at >= removed.at),
        15_000,
        20,
      );
      const s2 = await waitFor(
        "the extension's status with the card",
        async () => {
          const s = await extStatus(d());
          return s && cardPresentIn(s) ? s : null;
        },
        10_000,
        25,
      );
      const lagInserted = Date.parse(s2.updatedAt) - inserted.at;
      console.log(`[e2e] daily use: card inserted → status ${lagInserted} ms after the bridge's notification`);
      expect(lagInserted).toBeLessThan(1000);
      await waitFor(
        "checks resumed",
        async () => {
          const s = await extStatus(d());
          return s && !s.checksPaused && s.identity ? s : null;
        },
        15_000,
        50,
      );
      expect(await serverChecks(d(), accountId)).toEqual(before);
      const popupIn = await waitForPage(
        d(),
        POPUP_PAGE,
        ["#state-card", "#state-pin", "#checks", "#identity", "#directory"],
        (p) =>
          p.elements["#state-card"]?.dataset?.state === "present" &&
          p.elements["#checks"]?.text === "active" &&
          p.elements["#directory"]?.dataset?.state === "offline",
        "the popup with the card back",
      );
      expect(popupIn.elements["#state-pin"]!.dataset!.state).toBe("ok");
      // The directory the autocomplete searches, with its extraction date and size.
      expect(popupIn.elements["#directory"]!.text).toMatch(/^Extraction du .+ \(\d[\d\s\u202f]* adresses\)$/);
      expect(popupIn.elements["#identity"]!.text).toMatch(/Jean Dupont|JEAN DUPONT/i);
    } finally {
      client.close();
    }
  });

  it("screenshots: the setup page before/after, the autocomplete popup and the guard are PNGs of the display's size", async () => {
    for (const name of ["setupBefore", "setupAfter", "autocomplete", "guard"]) {
      const file = shots[name];
      expect(file, `screenshot ${name} was not taken`).toBeTruthy();
      const info = readPngInfo(file!);
      expect(info).toMatchObject({ width: WIDTH, height: HEIGHT, bitDepth: 8 });
      expect(info.bytes).toBeGreaterThan(10_000);
      // A blank or failed capture has one or two colours; a rendered window has hundreds.
      expect(await distinctColours(file!)).toBeGreaterThan(50);
    }
  });
});
