/**
 * Reading and clicking the MSSanté extension's own pages (setup page, popup) inside Thunderbird,
 * through the driver's window actor (test/e2e/driver/api/mssDriver/PageChild.sys.mjs): the pages
 * run in the extension process, so parent code reaches their DOM only through an actor.
 */
import type { Driver } from "../../harness/thunderbird.ts";
import { waitFor } from "../../harness/e2e-process.ts";

export interface ElementInfo {
  exists: boolean;
  visible?: boolean;
  text?: string;
  value?: string | null;
  checked?: boolean | null;
  disabled?: boolean | null;
  dataset?: Record<string, string>;
}

export interface PageSnapshot {
  url: string;
  readyState: string;
  text: string;
  elements: Record<string, ElementInfo>;
}

const FIND_BROWSER = `
  const findBrowser = (part) => {
    for (const w of Services.wm.getEnumerator("mail:3pane")) {
      const tm = w.document.getElementById("tabmail");
      if (!tm) continue;
      for (const t of tm.tabInfo) {
        if (t.browser && t.browser.currentURI && t.browser.currentURI.spec.includes(part)) return { browser: t.browser, tabmail: tm, tab: t };
      }
    }
    return null;
  };
`;

async function pageOp<T>(driver: Driver, urlPart: string, op: string, data: unknown): Promise<T> {
  return await driver.chrome<T>(
    `${FIND_BROWSER}
    const found = findBrowser(args.urlPart);
    if (!found) throw new Error("no tab shows " + args.urlPart);
    const wg = found.browser.browsingContext.currentWindowGlobal;
    if (!wg) throw new Error("the page is not loaded yet");
    return await wg.getActor("MssE2EPage").sendQuery(args.op, args.data);
  `,
    { urlPart, op, data },
  );
}

export async function pageSnapshot(driver: Driver, urlPart: string, selectors: string[] = []): Promise<PageSnapshot> {
  return await pageOp<PageSnapshot>(driver, urlPart, "snapshot", { selectors });
}

export async function pageClick(driver: Driver, urlPart: string, selector: string): Promise<void> {
  const r = await pageOp<{ ok: boolean; error?: string }>(driver, urlPart, "click", { selector });
  if (!r.ok) throw new Error(`click ${selector}: ${r.error}`);
}

/** Sets an input's or a select's value (input and change events follow). */
export async function pageSet(driver: Driver, urlPart: string, selector: string, value: string): Promise<void> {
  const r = await pageOp<{ ok: boolean; error?: string }>(driver, urlPart, "set", { selector, value });
  if (!r.ok) throw new Error(`set ${selector}: ${r.error}`);
}

/** Chooses a file in a file input, as the file picker would. */
export async function pageFile(
  driver: Driver,
  urlPart: string,
  selector: string,
  file: { name: string; type: string; bytes: Uint8Array },
): Promise<void> {
  const r = await pageOp<{ ok: boolean; error?: string }>(driver, urlPart, "file", {
    selector,
    name: file.name,
    type: file.type,
    bytes: [...file.bytes],
  });
  if (!r.ok) throw new Error(`file ${selector}: ${r.error}`);
}

/** Polls the page until `pred` holds; returns the snapshot that satisfied it. */
export async function waitForPage(
  driver: Driver,
  urlPart: string,
  selectors: string[],
  pred: (s: PageSnapshot) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<PageSnapshot> {
  let last: PageSnapshot | null = null;
  try {
    return await waitFor(
      what,
      async () => {
        try {
          last = await pageSnapshot(driver, urlPart, selectors);
        } catch {
          return null; // tab not open or page still loading
        }
        return pred(last) ? last : null;
      },
      timeoutMs,
      250,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}\nlast page state: ${JSON.stringify(last)?.slice(0, 3000)}`);
  }
}

/**
 * Clicks "Create the account" on the setup page (`setupPage`) once it offers it (within
 * `offerMs`), and waits (`outcomeMs`) for the outcome shown to the user: the result or a question
 * to confirm. Returns the page's `result` elements then.
 */
export async function runOneClick(
  driver: Driver,
  opts: { setupPage: string; result: string[]; offerMs: number; outcomeMs: number },
): Promise<PageSnapshot> {
  await waitForPage(
    driver,
    opts.setupPage,
    ["#create"],
    (s) => !!s.elements["#create"]?.visible && s.elements["#create"]?.disabled === false,
    "the setup page to offer account creation",
    opts.offerMs,
  );
  await pageClick(driver, opts.setupPage, "#create");
  return await waitForPage(
    driver,
    opts.setupPage,
    opts.result,
    (s) => !!(s.elements["#result"]?.visible || s.elements["#confirm"]?.visible),
    "the setup outcome",
    opts.outcomeMs,
  );
}
