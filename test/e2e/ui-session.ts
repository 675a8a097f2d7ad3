/**
 * What the daily-use end-to-end tests (and `npm run demo`) do in the real Thunderbird, on top of
 * the #5 harness (test/harness/e2e-env.ts): the MSSanté extension's storage, its setup page and
 * guard window, compose windows, the address-book autocomplete, restarting the bridge on the same
 * port (stopped, or with the test-only PKCS#11 fake), and screenshots of the Xvfb display.
 *
 * The chrome side is the driver's second Experiment, test/e2e/driver/api/mssDriverUi.
 */
import path from "node:path";
import { ADDON_ID } from "../../shared/constants.ts";
import type { E2EEnv } from "../harness/e2e-env.ts";
import { startBridgeProcess, type BridgeProcess } from "../harness/bridge-process.ts";
import { waitFor } from "../harness/e2e-process.ts";
import { captureDisplay } from "../harness/screenshot.ts";
import type { Driver } from "../harness/thunderbird.ts";

export const SETUP_PAGE = "pages/setup/setup.html";
export const GUARD_PAGE = "pages/guard/guard.html";
export const POPUP_PAGE = "pages/popup/popup.html";

interface Wrapped<T> {
  ok: boolean;
  value?: T;
  error?: string;
}

/** Calls messenger.mssDriverUi.<fn> in the driver and unwraps its {ok, value|error}. */
export async function ui<T>(driver: Driver, fn: string, ...args: unknown[]): Promise<T> {
  const r = await driver.api<Wrapped<T>>(`mssDriverUi.${fn}`, ...args);
  if (!r?.ok) throw new Error(`mssDriverUi.${fn}: ${r?.error ?? "no answer"}`);
  return r.value as T;
}

export interface ExtStatus {
  bridge: { kind: string; [k: string]: unknown };
  card: {
    readers: Array<{ name: string; cardPresent: boolean }>;
    boundReader: string | null;
    unavailable: { reason: string } | null;
  } | null;
  identity: Record<string, unknown> | null;
  pin: { state: string; pinPad: boolean } | null;
  checksPaused: boolean;
  updatedAt: string;
}

export interface GuardRecord {
  at: string;
  action: "allow" | "block";
  reason: string;
  blocked: string[];
  warnings: string[];
  choice: string | null;
  listSource: "live" | "cache" | null;
  listDate: string | null;
}

export async function storage<T = Record<string, unknown>>(driver: Driver, keys: string[]): Promise<T> {
  return await ui<T>(driver, "storageGet", ADDON_ID, keys);
}

export async function extStatus(driver: Driver): Promise<ExtStatus | null> {
  return (await storage<Record<string, ExtStatus | null>>(driver, ["mss.status"]))["mss.status"] ?? null;
}

export function cardPresentIn(s: ExtStatus | null): boolean {
  const c = s?.card;
  if (!c?.boundReader) return false;
  return !!c.readers.find((r) => r.name === c.boundReader)?.cardPresent;
}

export interface ElementInfo {
  exists: boolean;
  visible?: boolean;
  text?: string;
  dataset?: Record<string, string>;
}

export interface Snapshot {
  url: string;
  text: string;
  elements: Record<string, ElementInfo>;
}

export async function snapshot(driver: Driver, urlPart: string, selectors: string[]): Promise<Snapshot> {
  return await ui<Snapshot>(driver, "pageOp", urlPart, "snapshot", { selectors });
}

export async function click(driver: Driver, urlPart: string, selector: string): Promise<void> {
  const r = await ui<{ ok: boolean; error?: string }>(driver, "pageOp", urlPart, "click", { selector });
  if (!r.ok) throw new Error(`click ${selector} in ${urlPart}: ${r.error}`);
}

/** Polls a page (tab or popup window) until `pred` holds. */
export async function waitForPage(
  driver: Driver,
  urlPart: string,
  selectors: string[],
  pred: (s: Snapshot) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<Snapshot> {
  let last: Snapshot | null = null;
  try {
    return await waitFor(
      what,
      async () => {
        try {
          last = await snapshot(driver, urlPart, selectors);
        } catch {
          return null;
        }
        return pred(last) ? last : null;
      },
      timeoutMs,
      100,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}\nlast page state: ${JSON.stringify(last)?.slice(0, 3000)}`);
  }
}

/** Opens the setup page in a tab (or selects it). */
export async function openSetupPage(env: E2EEnv): Promise<void> {
  await openExtensionPage(env, SETUP_PAGE);
}

/**
 * Opens one of the extension's pages in a tab (or selects it). The toolbar popup's page opened
 * this way runs the same code as in its panel, which a test cannot open without a click.
 */
export async function openExtensionPage(env: E2EEnv, page: string): Promise<void> {
  await env.tb!.driver.chrome(
    `for (const w of Services.wm.getEnumerator("mail:3pane")) {
       const tm = w.document.getElementById("tabmail");
       for (const t of tm.tabInfo) if (t.browser && t.browser.currentURI && t.browser.currentURI.spec.includes(args.page)) { tm.switchToTab(t); return true; }
     }
     Services.wm.getMostRecentWindow("mail:3pane").document.getElementById("tabmail").openTab("contentTab", { url: args.url });
     return true;`,
    { page, url: `${env.extensionOrigin}/${page}` },
  );
}

/** Keeps one setup tab (the extension may open another, e.g. when the bridge comes back) and selects it. */
export async function singleSetupTab(driver: Driver, keep: "first" | "last" = "last"): Promise<void> {
  await driver.chrome(
    `const w = [...Services.wm.getEnumerator("mail:3pane")].find((x) => x.document.getElementById("tabmail"));
     const tm = w && w.document.getElementById("tabmail");
     if (!tm) return 0;
     const tabs = tm.tabInfo.filter((t) => t.browser && t.browser.currentURI && t.browser.currentURI.spec.includes(args.page));
     const kept = args.keep === "first" ? tabs[0] : tabs[tabs.length - 1];
     for (const t of tabs) if (t !== kept) tm.closeTab(t);
     if (kept) tm.switchToTab(kept);
     return tabs.length;`,
    { page: SETUP_PAGE, keep },
  );
}

/** Puts the main window at the top left of the screen, full size, for screenshots. */
export async function arrangeMainWindow(driver: Driver, width = 1280, height = 900): Promise<void> {
  await ui(driver, "arrangeWindow", "mail:3pane", 0, 0, width, height);
}

/** Zooms a page (tab or window) so that more of it fits in a screenshot; 1 = normal. */
export async function zoomPage(driver: Driver, urlPart: string, factor: number): Promise<void> {
  await ui(driver, "zoomPage", urlPart, factor);
}

/** A whole-display screenshot into dir/name.png (Thunderbird must run on that display). */
export async function screenshot(display: string, dir: string, name: string): Promise<string> {
  const file = path.join(dir, `${name}.png`);
  await captureDisplay(display, file);
  return file;
}

/**
 * Restarts the bridge on the same data directory and port (the extension reconnects by itself),
 * with extra environment (e.g. the test-only PKCS#11 fake). Stops `current` first.
 */
export async function restartBridge(env: E2EEnv, current: BridgeProcess, extraEnv: Record<string, string> = {}): Promise<BridgeProcess> {
  const port = current.port;
  await current.stop();
  return await startBridgeProcess({
    dataDir: env.bridgeDataDir,
    port,
    env: { HOME: env.home, ...env.token.env, ...extraEnv },
    args: ["--module", env.token.modulePath, "--reader", env.readerName, "--dns-server", env.dns.server],
  });
}

/** Waits until the extension's status says the bridge is (or is not) connected. */
export async function waitForBridgeKind(
  driver: Driver,
  pred: (kind: string) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<ExtStatus> {
  return await waitFor(
    what,
    async () => {
      const s = await extStatus(driver);
      return s && pred(s.bridge.kind) ? s : null;
    },
    timeoutMs,
    100,
  );
}

export interface AutocompleteRow {
  value: string;
  comment: string;
  label: string;
  style: string;
  /** The row's card as Thunderbird made it, read through its own property names. */
  card: Record<string, string>;
}

/** The card properties the address book provider fills (entryToContact). */
const CARD_PROPERTIES = [
  "DisplayName",
  "PrimaryEmail",
  "FirstName",
  "LastName",
  "Company",
  "Department",
  "WorkCity",
  "WorkZipCode",
  "JobTitle",
  "Notes",
];

/**
 * Thunderbird's real address-book autocomplete (@mozilla.org/autocomplete/search;1?name=addrbook,
 * what a compose "To" field calls), run in the parent through the driver's chrome sandbox. (The
 * same code as a function of the mssDriverUi Experiment never received its final result on
 * Thunderbird 153 — cause not found; the sandbox path works.)
 */
export async function addrbookAutocomplete(
  driver: Driver,
  text: string,
  timeoutMs = 15_000,
): Promise<{ searchResult: number; rows: AutocompleteRow[] }> {
  return await driver.chrome(
    `const search = Cc["@mozilla.org/autocomplete/search;1?name=addrbook"].getService(Ci.nsIAutoCompleteSearch);
     return await new Promise((resolve, reject) => {
       const timer = setTimeout(() => reject(new Error("autocomplete gave no final result")), args.timeoutMs);
       const listener = {
         onSearchResult(_s, result) {
           const R = Ci.nsIAutoCompleteResult;
           if (result.searchResult === R.RESULT_SUCCESS_ONGOING || result.searchResult === R.RESULT_NOMATCH_ONGOING) return;
           clearTimeout(timer);
           const rows = [];
           const ab = result.QueryInterface(Ci.nsIAbAutoCompleteResult);
           for (let i = 0; i < result.matchCount; i++) {
             const c = ab.getCardAt(i);
             const card = {};
             // Thunderbird keeps these in the card's vCard (getProperty reads only the others).
             const map = c && c.supportsVCard ? c.vCardProperties.toPropertyMap() : new Map();
             for (const k of args.properties) { const v = map.get(k); if (v) card[k] = String(v); }
             rows.push({ value: result.getValueAt(i), comment: result.getCommentAt(i), label: result.getLabelAt(i), style: result.getStyleAt(i), card });
           }
           resolve({ searchResult: result.searchResult, rows });
         },
       };
       search.startSearch(args.text, JSON.stringify({ type: "addr_to", idKey: "" }), null, listener);
     });`,
    { text, timeoutMs, properties: CARD_PROPERTIES },
    timeoutMs + 5_000,
  );
}

/** Starts a send in a compose tab without waiting for it (the guard may hold it). */
export function startSend(driver: Driver, tabId: number): Promise<{ ok: true } | { ok: false; error: string }> {
  return driver.api("compose.sendMessage", tabId, { mode: "sendNow" }).then(
    () => ({ ok: true as const }),
    (e: unknown) => ({ ok: false as const, error: e instanceof Error ? e.message : String(e) }),
  );
}

/** The incoming server's check state (what the extension's pauseChecks changes). */
export async function serverChecks(
  driver: Driver,
  accountId: string,
): Promise<{ paused: boolean; doBiff: boolean; loginAtStartUp: boolean }> {
  return await driver.chrome(
    `const s = MailServices.accounts.getAccount(args.id).incomingServer;
     let paused = false; try { paused = s.getBoolValue("mss_checks_paused"); } catch {}
     return { paused, doBiff: s.doBiff, loginAtStartUp: s.loginAtStartUp };`,
    { id: accountId },
  );
}

/** Closes every compose window (discarding drafts) and the guard window if one is left. */
export async function closeComposeWindows(driver: Driver): Promise<void> {
  await driver.chrome(`
    for (const w of [...Services.wm.getEnumerator("msgcompose")]) { try { w.gMsgCompose && (w.gMsgCompose.bodyModified = false); w.SetContentAndBodyAsUnmodified && w.SetContentAndBodyAsUnmodified(); } catch {} w.close(); }
    for (const w of [...Services.wm.getEnumerator("mail:extensionPopup")]) w.close();
    return true;`);
}
