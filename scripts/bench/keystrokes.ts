/**
 * Keystroke benchmark (`npm run bench:keystrokes [-- --lines N] [--queries N] [--tb-timeout MS,…]`), not
 * part of `npm test`: needs the end-to-end components (Thunderbird, Xvfb, … see test/e2e/README.md)
 * and runs them, so run it under the machine's system-test lock.
 *
 * The end-to-end harness (test/harness/e2e-env.ts) with a full-size generated directory (536,000
 * lines by default) imported into the bridge, the extension built and installed in a real
 * Thunderbird on a private Xvfb display, and a service bridge (`mss-bridge start`). A compose window
 * is opened and names are typed into its To field letter by letter as real key events (a
 * nsITextInputProcessor: keydown/keypress/keyup, the editor inserts the character, the autocomplete
 * controller handles the input as for a person typing). After each keystroke the driver waits, in
 * Thunderbird's parent process, until the field's autocomplete has finished the search for exactly
 * what was typed and shows its answer: the popup open with its first row the controller's first
 * result (or, for fewer than 2 results, where Thunderbird shows no popup, the search complete). That
 * time is the keystroke latency; "painted" adds the next refresh-driver tick (requestAnimationFrame
 * after the rows are there: the frame that draws them). Then the next key.
 *
 * Beside it, the bridge's own time for the same query: a second client of the same bridge process
 * sends each typed prefix as `directory.search` (PROVIDER_LIMIT results, what the address book
 * provider asks) over the WebSocket, after the keystrokes (so it never competes with them): the round trip seen by a
 * client, which holds the bridge's search.
 *
 * Thunderbird's compose fields delay every search by their `timeout` attribute (200 ms in
 * Thunderbird 153: composeWidgets.mjs sets `timeout="200"`), restarted at each keystroke; the
 * extension's mssComposeFields Experiment sets it to 0 when no LDAP directory serves autocomplete.
 * The queries are typed first as shipped (our book answered in the parent process over the
 * mssDirectorySearch Experiment's connection to the bridge), then as the baseline: through the
 * extension's process (addressBooks.provider), the Experiment's own search on the book set aside for
 * that pass; then again for each `--tb-timeout MS` value (that attribute set on the benchmark's To
 * field; `--tb-timeout 200` is Thunderbird's own). Each keystroke is also split: key → the controller starts the search (its
 * onSearchBegin), → all the field's searches answered (onSearchComplete), → the rows shown;
 * and the search itself: → our address book asked (the other books are searched first), → its
 * answer back in the parent process (the event to the extension's process, the listener, the
 * bridge over the WebSocket, the cards made from the answer), → all answered (our cards made into
 * results, the popup's rows). Figures are printed (a table, then one
 * JSON line, milliseconds); nothing is asserted.
 */
import { cpus, loadavg } from "node:os";
import { ADDRESS_BOOK_ID, PROVIDER_LIMIT } from "../../extension/background/addressbook-provider.ts";
import { FULL_SIZE_LINES } from "../../bridge/demo/generator/extraction.ts";
import { mulberry32 } from "../../bridge/demo/generator/mulberry32.ts";
import { GIVEN_F, GIVEN_M, SURNAMES } from "../../bridge/demo/generator/words.ts";
import { foldText } from "../../bridge/directory/search/normalize.ts";
import { buildBridge } from "../build-bridge.mjs";
import { openClient, pairWithCode } from "../../test/harness/bridge-process.ts";
import { leaseSystemPcscd, type PcscdLease } from "../../test/harness/pcscd.ts";
import { startE2EEnv, type E2EEnv } from "../../test/harness/e2e-env.ts";
import { startXvfb, type Xvfb } from "../../test/harness/screenshot.ts";
import type { Driver } from "../../test/harness/thunderbird.ts";
import { arrangeMainWindow, ui, waitForBridgeKind } from "../../test/e2e/ui-session.ts";
import { percentiles } from "./bridge-process-stats.ts";

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const log = (s: string) => process.stdout.write(`${s}\n`);

/** One keystroke as measured in Thunderbird. */
interface Stroke {
  text: string;
  /** Key event sent → the answer shown (rows in the open popup, or the search complete). */
  ms: number;
  /** … → the next refresh-driver tick after that (the frame that draws it). */
  paintedMs: number;
  matches: number;
  popupOpen: boolean;
  /** Key event → the controller starts the search (the field's `timeout`). */
  beganMs: number;
  /** The search started → all its searches answered (the address books, ours through the extension and the bridge). */
  searchMs: number;
  /** The search started → our address book asked (the other books searched before it). NaN: not asked. */
  bookStartMs: number;
  /** Our address book asked → its answer back in this process (the extension's process, its listener, the bridge). */
  bookMs: number;
  /** Our answer back → the search complete (the cards turned into rows). */
  afterBookMs: number;
}

/** Names as a person types them: a surname, a given name then the start of a surname, a surname then an initial. */
export function benchQueries(n: number, seed = 19): string[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * Math.min(xs.length, 120))]!;
  const word = (s: string) =>
    foldText(s)
      .replace(/[^a-z]+/g, " ")
      .trim();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const surname = word(pick(SURNAMES));
    const given = word(pick(rnd() < 0.5 ? GIVEN_M : GIVEN_F));
    const form = i % 3;
    out.push(
      form === 0
        ? surname
        : form === 1
          ? `${given} ${surname.slice(0, Math.max(3, Math.ceil(surname.length * 0.6)))}`
          : `${surname} ${given[0]}`,
    );
  }
  return out;
}

/**
 * Parent-process code (the driver's chrome sandbox): types `args.text` into the compose window's To
 * field key by key and returns one Stroke per key. One call per query, so the driver's own round
 * trips stay out of the measurement.
 */
const TYPE_QUERY = `
  const w = Services.wm.getMostRecentWindow("msgcompose");
  if (!w) throw new Error("no compose window");
  const input = w.document.getElementById("toAddrInput");
  if (!input) throw new Error("no To field");
  const now = () => w.performance.now();
  if (args.tbTimeout !== null) input.setAttribute("timeout", String(args.tbTimeout));
  w.focus();
  input.focus();
  const tip = Cc["@mozilla.org/text-input-processor;1"].createInstance(Ci.nsITextInputProcessor);
  if (!tip.beginInputTransactionForTests(w)) throw new Error("no input transaction");
  const key = (k) => {
    const code = k === " " ? "Space" : k === "Backspace" ? "Backspace" : "Key" + k.toUpperCase();
    const keyCode = k === " " ? 32 : k === "Backspace" ? 8 : k.toUpperCase().charCodeAt(0);
    const ev = new w.KeyboardEvent("", { key: k, code, keyCode });
    tip.keydown(ev);
    tip.keyup(ev);
  };
  const tick = () => new Promise((r) => Services.tm.dispatchToMainThread(r));
  const frame = () => new Promise((r) => w.requestAnimationFrame(() => r()));
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const C = Ci.nsIAutoCompleteController;
  // The controller calls these on the field when a search starts (after the field's timeout) and
  // when all its searches have answered: counted, so a keystroke's wait never ends on the answer
  // to the previous one (the controller keeps the old status and rows until the new search).
  if (!input.__benchHooked) {
    const begin = input.onSearchBegin;
    const complete = input.onSearchComplete;
    input.__bench = { begins: 0, completes: 0, beganAt: 0, completedAt: 0 };
    input.onSearchBegin = function (...a) {
      this.__bench.begins++;
      this.__bench.beganAt = now();
      return begin ? begin.apply(this, a) : undefined;
    };
    input.onSearchComplete = function (...a) {
      this.__bench.completes++;
      this.__bench.completedAt = now();
      return complete ? complete.apply(this, a) : undefined;
    };
    input.__benchHooked = true;
  }
  const hook = input.__bench;
  // Our address book's own search as the autocomplete calls it in this process (the event to the
  // extension's process, its listener and the bridge call, the cards made from its answer).
  // Thunderbird's address book autocomplete (AbAutoCompleteSearch.sys.mjs, one module per process)
  // reads its books from _abManager.directories: ours is handed to it wrapped, to time its search.
  const { AbAutoCompleteSearch } = ChromeUtils.importESModule("resource:///modules/AbAutoCompleteSearch.sys.mjs");
  const proto = AbAutoCompleteSearch.prototype;
  if (!proto.__benchHooked) {
    const manager = proto._abManager;
    const timed = (dir) => ({
      get dirName() { return dir.dirName; },
      get dirType() { return dir.dirType; },
      get URI() { return dir.URI; },
      get UID() { return dir.UID; },
      useForAutocomplete: (idKey) => dir.useForAutocomplete(idKey),
      search(query, text, listener) {
        const bench = proto.__bench;
        bench.bookStartedAt = now();
        bench.bookText = text;
        return dir.search(query, text, {
          onSearchFoundCard: (card) => listener.onSearchFoundCard(card),
          onSearchFinished: (...a) => {
            if (bench.bookText === text) bench.bookFinishedAt = now();
            return listener.onSearchFinished(...a);
          },
        });
      },
    });
    proto._abManager = {
      get directories() {
        return manager.directories.map((d) => (d.UID === args.bookId ? timed(d) : d));
      },
    };
    proto.__benchHooked = true;
  }
  proto.__bench = hook;
  // Empty field, no popup, nothing searching.
  input.select();
  key("Backspace");
  if (input.popupOpen) input.closePopup();
  await sleep(300);
  const strokes = [];
  const chars = [...args.text];
  for (let i = 0; i < chars.length; i++) {
    const typed = chars.slice(0, i + 1).join("");
    const completesBefore = hook.completes;
    hook.bookStartedAt = hook.bookFinishedAt = NaN;
    const t0 = now();
    key(chars[i]);
    const controller = input.controller;
    const end = t0 + 10000;
    let shown = false;
    for (;;) {
      const done = hook.completes > completesBefore && controller.searchString === typed &&
        (controller.searchStatus === C.STATUS_COMPLETE_MATCH || controller.searchStatus === C.STATUS_COMPLETE_NO_MATCH);
      if (done) {
        const n = controller.matchCount;
        if (n < 2) { shown = true; break; }
        const first = input.popup && input.popup.richlistbox && input.popup.richlistbox.firstElementChild;
        const firstValue = first && (first.getAttribute("ac-value") || first._value || null);
        if (input.popupOpen && first && !first.collapsed && (firstValue === null || firstValue === controller.getValueAt(0))) { shown = true; break; }
      }
      if (now() > end) break;
      await tick();
    }
    const t1 = now();
    await frame();
    const t2 = now();
    if (!shown) throw new Error("no answer within 10 s for '" + typed + "' (status " + input.controller.searchStatus + ", search '" + input.controller.searchString + "', field '" + input.value + "')");
    strokes.push({
      text: typed, ms: t1 - t0, paintedMs: t2 - t0, matches: input.controller.matchCount, popupOpen: input.popupOpen,
      beganMs: hook.beganAt - t0, searchMs: hook.completedAt - hook.beganAt,
      bookStartMs: hook.bookStartedAt - hook.beganAt, bookMs: hook.bookFinishedAt - hook.bookStartedAt,
      afterBookMs: hook.completedAt - hook.bookFinishedAt,
    });
    await sleep(args.pauseMs);
  }
  return strokes;
`;

async function typeQuery(driver: Driver, text: string, tbTimeout: number | null, pauseMs: number): Promise<Stroke[]> {
  return await driver.chrome<Stroke[]>(TYPE_QUERY, { text, tbTimeout, pauseMs, bookId: ADDRESS_BOOK_ID }, 120_000);
}

async function openCompose(driver: Driver): Promise<void> {
  // A compose window needs an identity: a plain account with no server to reach.
  await driver.chrome(`
    if (MailServices.accounts.allIdentities.length === 0) {
      const server = MailServices.accounts.createIncomingServer("bench", "bench.invalid", "none");
      const account = MailServices.accounts.createAccount();
      account.incomingServer = server;
      const id = MailServices.accounts.createIdentity();
      id.email = "bench@bench.invalid";
      id.fullName = "Bench";
      account.addIdentity(id);
    }`);
  await driver.api("compose.beginNew", { subject: "Bench" });
  await driver.chrome(
    `const end = Date.now() + 20000;
     for (;;) {
       const w = Services.wm.getMostRecentWindow("msgcompose");
       if (w && w.document.readyState === "complete" && w.document.getElementById("toAddrInput")) return true;
       if (Date.now() > end) throw new Error("no compose window");
       await new Promise((r) => setTimeout(r, 100));
     }`,
  );
  await ui(driver, "arrangeWindow", "msgcompose", 0, 0, 1280, 900);
}

type Client = Awaited<ReturnType<typeof openClient>>;
type Pct = { p50: number; p95: number; p99: number; max: number };
const f = (p: Pct) => `p50 ${p.p50.toFixed(1)} ms, p95 ${p.p95.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms, max ${p.max.toFixed(1)} ms`;

/** One pass over the queries with the To field's timeout as given (null: as shipped, the extension's mssComposeFields). */
/**
 * Where our book's searches are answered: "parent", as shipped (the mssDirectorySearch Experiment's
 * own `search` on the provider's book, over its connection in Thunderbird's parent process), or
 * "extension" (that `search` set aside for a pass: the provider's, through the extension's process).
 * Waits up to 10 s for the Experiment's; true when the book answers as asked.
 */
async function searchPath(driver: Driver, path: "parent" | "extension"): Promise<boolean> {
  return await driver.chrome<boolean>(
    `const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
     const book = () => MailServices.ab.getDirectory("searchaddr://" + args.bookId).wrappedJSObject;
     const own = () => Object.prototype.hasOwnProperty.call(book(), "search");
     if (args.path === "extension") {
       driverState.benchParentSearch = book().search;
       delete book().search;
       return !own();
     }
     if (driverState.benchParentSearch) book().search = driverState.benchParentSearch;
     const end = Date.now() + 10000;
     while (!own() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
     return own();`,
    { bookId: ADDRESS_BOOK_ID, path },
  );
}

async function measure(
  driver: Driver,
  client: Client,
  queries: string[],
  tbTimeout: number | null,
  pauseMs: number,
  lines: number,
  path: "parent" | "extension",
): Promise<void> {
  log("");
  log(
    `To field timeout: ${tbTimeout === null ? "as shipped (the extension's mssComposeFields Experiment: 0 ms with no LDAP autocomplete; Thunderbird 153's own is 200 ms)" : `set to ${tbTimeout} ms by the benchmark`}; ` +
      `our address book answered ${path === "parent" ? "in Thunderbird's parent process, as shipped (mssDirectorySearch)" : "through the extension's process (addressBooks.provider), the parent's search set aside: the baseline"}`,
  );
  // Warm-up: one query, not counted (first search of the index, JIT, the popup's first layout).
  await typeQuery(driver, "warmup dupont", tbTimeout, pauseMs);
  const strokes: Stroke[] = [];
  for (const q of queries) strokes.push(...(await typeQuery(driver, q, tbTimeout, pauseMs)));

  // The bridge's own time for the same prefixes, as a second client of the same process, after
  // the keystrokes (never competing with them).
  // Printed first: the keystroke figures stand on their own.
  const key = percentiles(strokes.map((s) => s.ms));
  log(`  keystroke → popup rows     ${f(key)} (target p95 ≤ 50 ms) [${key.p95 <= 50 ? "ok" : "MISSED"}]`);
  // Paced under the bridge's 50 requests a second per connection (the pause is not timed).
  const rpc: number[] = [];
  const gap = () => new Promise((r) => setTimeout(r, 25));
  for (const s of strokes.slice(0, 20)) {
    await client.call("directory.search", { query: s.text, limit: PROVIDER_LIMIT });
    await gap();
  }
  for (const s of strokes) {
    const a = performance.now();
    await client.call("directory.search", { query: s.text, limit: PROVIDER_LIMIT });
    rpc.push(performance.now() - a);
    await gap();
  }

  const painted = percentiles(strokes.map((s) => s.paintedMs));
  const bridge = percentiles(rpc);
  const began = percentiles(strokes.map((s) => s.beganMs));
  const searched = percentiles(strokes.map((s) => s.searchMs));
  const finite = (xs: number[]) => xs.filter((x) => Number.isFinite(x));
  const bookStart = percentiles(finite(strokes.map((s) => s.bookStartMs)));
  const book = percentiles(finite(strokes.map((s) => s.bookMs)));
  const afterBook = percentiles(finite(strokes.map((s) => s.afterBookMs)));
  const withPopup = strokes.filter((s) => s.popupOpen).length;
  log(`  keystrokes measured        ${strokes.length} (${withPopup} with the popup open, the others under 2 results)`);
  // A name's first key opens the popup (Thunderbird lays it out and shows it); the next ones only
  // change its rows. Both, and the search's share of each.
  for (const [label, part] of [
    ["a name's first key        ", strokes.filter((s) => s.text.length === 1)],
    ["the keys after it         ", strokes.filter((s) => s.text.length > 1)],
  ] as const) {
    log(
      `    ${label}${f(percentiles(part.map((s) => s.ms)))} (${part.length}); search start → all answered ${f(percentiles(part.map((s) => s.searchMs)))}`,
    );
  }
  log(`  keystroke → painted frame  ${f(painted)}`);
  log(`    of which key → search start         ${f(began)} (the To field's timeout)`);
  log(`    of which search start → all answered ${f(searched)} (every address book, ours included)`);
  log(`      search start → our book asked       ${f(bookStart)} (the other address books first)`);
  log(
    `      our book asked → its answer         ${f(book)} (${path === "parent" ? "the Experiment's connection to the bridge, the cards" : "to the extension's process, its listener and the bridge, back"})`,
  );
  log(`      its answer → all answered           ${f(afterBook)} (its cards made into results)`);
  log(`  bridge directory.search    ${f(bridge)} (round trip over the WebSocket, same prefixes, limit ${PROVIDER_LIMIT})`);
  log(
    JSON.stringify({
      lines,
      keystrokes: strokes.length,
      withPopup,
      tbTimeout,
      path,
      pauseMs,
      keystrokeMs: key,
      paintedMs: painted,
      searchStartMs: began,
      searchMs: searched,
      bookStartMs: bookStart,
      bookMs: book,
      afterBookMs: afterBook,
      bridgeRpcMs: bridge,
      slowest: [...strokes]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 5)
        .map((s) => [s.text.length, Math.round(s.ms)]),
    }),
  );
}

async function main(): Promise<void> {
  const lines = Number(arg("--lines") ?? FULL_SIZE_LINES);
  const nQueries = Number(arg("--queries") ?? 36);
  // As shipped first, then each `--tb-timeout` value (comma-separated; 200 is Thunderbird's own), in one session.
  const tbTimeouts: (number | null)[] = [null, ...(arg("--tb-timeout")?.split(",").map(Number) ?? [])];
  const pauseMs = Number(arg("--pause") ?? 40);
  const queries = benchQueries(nQueries);
  log(
    `Keystroke benchmark: ${lines} directory lines, ${queries.length} queries (${queries.reduce((s, q) => s + q.length, 0)} keystrokes); ${cpus().length} CPU(s), load average ${loadavg()[0]!.toFixed(2)}`,
  );
  let xvfb: Xvfb | null = null;
  let env: E2EEnv | null = null;
  let pcscd: PcscdLease | null = null;
  const t0 = Date.now();
  try {
    // What the e2e suites' global setup does: the bridge as it ships, and the machine's pcscd.
    await buildBridge();
    pcscd = await leaseSystemPcscd();
    xvfb = await startXvfb({ width: 1280, height: 900 });
    env = await startE2EEnv({
      bridge: "service",
      directoryLines: lines,
      thunderbirdOptions: { display: xvfb.display },
      log: (l) => log(`  [env] ${l}`),
    });
    log(`  environment up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const driver = env.tb!.driver;
    await arrangeMainWindow(driver);
    await waitForBridgeKind(driver, (k) => k === "connected", "the extension connected to the bridge", 60_000);
    await openCompose(driver);
    if (!(await searchPath(driver, "parent")))
      throw new Error("our address book is not answered in the parent process (mssDirectorySearch)");
    const secret = await pairWithCode(env.bridge!);
    const client = await openClient(env.bridge!.port);
    await client.authenticate(secret);
    try {
      await measure(driver, client, queries, null, pauseMs, lines, "parent");
      // The same keystrokes answered the way they were before the parent's search: through the
      // extension's process (addressBooks.provider), in the same session, as a baseline (before
      // any pass sets the field's timeout: the as-shipped one is set only once per field).
      await searchPath(driver, "extension");
      await measure(driver, client, queries, null, pauseMs, lines, "extension");
      await searchPath(driver, "parent");
      for (const tbTimeout of tbTimeouts.slice(1)) await measure(driver, client, queries, tbTimeout, pauseMs, lines, "parent");
    } finally {
      client.close();
    }
  } finally {
    await env?.stop().catch(() => undefined);
    await xvfb?.stop().catch(() => undefined);
    await pcscd?.release().catch(() => undefined);
  }
}

// Everything started is stopped by then; without an exit the process stayed alive after its figures
// (the bundler's service processes still there), and the system-test lock around it with it.
await main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
