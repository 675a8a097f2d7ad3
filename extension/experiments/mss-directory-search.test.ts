/**
 * The mssDirectorySearch Experiment's parent code as the .xpi ships it (built by the same function
 * as `npm run build`), in a sandbox whose Thunderbird parts are fakes: the provider's search book
 * (its own search records that the extension's path was taken), cards made from vCards, and the
 * WebSocket channel, here a Node WebSocket to a protocol-level bridge (test-support/fake-bridge.ts:
 * the real proofs, a real socket). What is checked: the connection presents the extension's origin
 * and proves the pairing before anything; the book is answered over it, in the bridge's order, with
 * the provider's contacts; until it is up, when it is down, with a pairing the bridge refuses and
 * after disconnect or shutdown, the provider's own search answers; nothing secret is logged. That a
 * real Thunderbird answers its compose fields this way is shown end to end
 * (test/e2e/daily-use.test.ts) and measured (npm run bench:keystrokes).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { bundleExperiment } from "../../scripts/build-experiment.mjs";
import { bytesToBase64 } from "../../shared/protocol/proofs.ts";
import type { Pairing } from "../background/pairing-store.ts";
import { DUPONT, entry } from "../test-support/entries.ts";
import { FakeBridge, testSecret } from "../test-support/fake-bridge.ts";
import { readVCard } from "../test-support/vcard-reader.ts";

const API_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "mssDirectorySearch");
const SRC = await bundleExperiment(API_DIR);
const SCHEMA = JSON.parse(readFileSync(path.join(API_DIR, "schema.json"), "utf8")) as {
  namespace: string;
  functions: { name: string; parameters: unknown[] }[];
}[];

const ORIGIN = "moz-extension://4b2f6a1e-0000-4000-8000-000000000001";
const BOOK_ID = "mssante-annuaire";
const SECRET = testSecret(11);
const MARTIN = entry({ email: "claire.martin@hopital.mssante.fr", surname: "MARTIN", givenName: "CLAIRE", city: "NANTES" });

interface Listener {
  found: { vCard: string; directoryUID: string }[];
  finished: { status: number; complete: boolean } | null;
  done: Promise<void>;
}

function searchListener(): Listener & { onSearchFoundCard(c: unknown): void; onSearchFinished(s: number, c: boolean): void } {
  let finish: () => void = () => undefined;
  const l = {
    found: [] as { vCard: string; directoryUID: string }[],
    finished: null as { status: number; complete: boolean } | null,
    done: new Promise<void>((r) => {
      finish = r;
    }),
    onSearchFoundCard(c: unknown) {
      l.found.push(c as { vCard: string; directoryUID: string });
    },
    onSearchFinished(status: number, complete: boolean) {
      l.finished = { status, complete };
      finish();
    },
  };
  return l;
}

/** The book addressBooks.provider registers: its own search is the path through the extension's process. */
class ProviderBook {
  readonly UID = BOOK_ID;
  readonly viaExtension: string[] = [];
  search(_query: string | null, text: string, listener: { onSearchFinished(s: number, c: boolean): void }): void {
    this.viaExtension.push(text);
    listener.onSearchFinished(0, false);
  }
}

/** nsIWebSocketChannel over a Node WebSocket: what the Experiment opens, with the Origin it gives. */
class NodeChannel {
  static opened: { url: string; origin: string; loadInfo: unknown[] }[] = [];
  private ws: WebSocket | null = null;
  private loadInfo: unknown[] = [];
  initLoadInfo(...a: unknown[]) {
    this.loadInfo = a;
  }
  asyncOpen(uri: { spec: string }, origin: string, _oa: unknown, _window: number, l: Record<string, (...a: unknown[]) => void>) {
    NodeChannel.opened.push({ url: uri.spec, origin, loadInfo: this.loadInfo });
    const ws = new WebSocket(uri.spec, { origin });
    this.ws = ws;
    ws.on("open", () => l.onStart!(null));
    ws.on("message", (data, binary) => (binary ? l.onBinaryMessageAvailable!(null, "") : l.onMessageAvailable!(null, data.toString())));
    ws.on("close", (code, reason) => {
      l.onServerClose!(null, code, reason.toString());
      l.onStop!(null, 0);
    });
    ws.on("error", () => l.onStop!(null, 0x804b000d));
  }
  sendMsg(text: string) {
    this.ws!.send(text);
  }
  close(code: number, reason: string) {
    this.ws!.close(code, reason);
  }
}

const bridges: FakeBridge[] = [];
const shutdowns: (() => void)[] = [];
afterEach(async () => {
  for (const s of shutdowns.splice(0)) s();
  for (const b of bridges.splice(0)) await b.stop();
  NodeChannel.opened = [];
});

async function startBridge(opts: Partial<ConstructorParameters<typeof FakeBridge>[0]> = {}): Promise<FakeBridge> {
  const b = new FakeBridge({
    secret: SECRET,
    pairedOrigins: [ORIGIN],
    handlers: {
      "directory.search": (p) => ({
        results: p.query === "martin" ? [MARTIN, DUPONT] : [],
        matchedOtherFields: false,
        fuzzy: false,
      }),
    },
    ...opts,
  });
  await b.start();
  bridges.push(b);
  return b;
}

function load() {
  const book = new ProviderBook();
  const logged: string[] = [];
  const sandbox: Record<string, unknown> = {
    ChromeUtils: {
      importESModule(url: string) {
        if (url.includes("ExtensionCommon"))
          return {
            ExtensionCommon: {
              ExtensionAPI: class {
                constructor(readonly extension: unknown) {}
              },
            },
          };
        if (url.includes("MailServices"))
          return {
            MailServices: {
              ab: {
                getDirectory(uri: string) {
                  if (uri !== `searchaddr://${BOOK_ID}`) throw new Error(`no directory ${uri}`);
                  return { wrappedJSObject: book };
                },
              },
            },
          };
        if (url.includes("VCardUtils")) return { VCardUtils: { vCardToAbCard: (vCard: string) => ({ vCard, directoryUID: "" }) } };
        if (url.includes("Timer.sys.mjs")) return { setTimeout, clearTimeout };
        throw new Error(`unexpected module ${url}`);
      },
    },
    Cu: {
      Sandbox: () => ({ crypto: globalThis.crypto, TextEncoder, TextDecoder, atob, btoa }),
    },
    Cc: { "@mozilla.org/network/protocol;1?name=ws": { createInstance: () => new NodeChannel() } },
    Ci: {
      nsIWebSocketChannel: {},
      nsILoadInfo: { SEC_ALLOW_CROSS_ORIGIN_SEC_CONTEXT_IS_NULL: 128 },
      nsIContentPolicy: { TYPE_WEBSOCKET: 16 },
    },
    Cr: { NS_OK: 0 },
    Services: {
      scriptSecurityManager: { getSystemPrincipal: () => ({ system: true }) },
      io: { newURI: (spec: string) => ({ spec }) },
    },
    console: { info: (line: string) => logged.push(line) },
  };
  vm.createContext(sandbox);
  vm.runInContext(SRC, sandbox, { filename: "implementation.js" });
  const principal = { extension: true };
  const extension = {
    baseURL: `${ORIGIN}/`,
    principal,
    localizeMessage: (name: string, subs: string[] = []) => (subs.length ? `${name}: ${subs.join(", ")}` : name),
  };
  const Api = sandbox.mssDirectorySearch as new (
    e: unknown,
  ) => {
    getAPI(c: unknown): { mssDirectorySearch: import("./mssDirectorySearch/src/api.ts").MssDirectorySearchApi };
    onShutdown(app: boolean): void;
  };
  const instance = new Api(extension);
  shutdowns.push(() => instance.onShutdown(false));
  const api = instance.getAPI({}).mssDirectorySearch;
  /** Thunderbird's autocomplete asking the book (through its XPCOM wrapper: the object's `search`). */
  const ask = async (text: string) => {
    const l = searchListener();
    book.search(null, text, l);
    await l.done;
    return l;
  };
  return { api, instance, book, ask, logged, principal, globals: Object.keys(sandbox) };
}

function pairing(port: number, secret = SECRET): Pairing {
  return { port, secret: bytesToBase64(secret), pairedAt: "2026-01-01T00:00:00.000Z", via: "code" };
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("mssDirectorySearch Experiment (parent code)", () => {
  it("schema.json declares connect(config) and disconnect(); the bundle adds one global, its timers and crypto injected", () => {
    expect(SCHEMA[0]!.namespace).toBe("mssDirectorySearch");
    expect(SCHEMA[0]!.functions.map((f) => [f.name, f.parameters.length])).toEqual([
      ["connect", 1],
      ["disconnect", 0],
    ]);
    expect(load().globals.sort()).toEqual(["Cc", "ChromeUtils", "Ci", "Cr", "Cu", "Services", "console", "mssDirectorySearch"]);
    expect(SRC).not.toMatch(/globalThis\.crypto/);
  });

  it("answers the book over its own authenticated connection, with the extension's origin, in the bridge's order", async () => {
    const bridge = await startBridge();
    const x = load();
    // Before any connection: the provider's path.
    expect((await x.ask("martin")).found).toEqual([]);
    expect(x.book.viaExtension).toEqual(["martin"]);

    const r = await x.api.connect({ pairing: pairing(bridge.port), clientName: "mssante-thunderbird/9.9" });
    expect(r).toMatchObject({ ok: true });
    await until(() => x.logged.some((l) => l.includes('"state":"connected"')), "the parent connection");
    expect(NodeChannel.opened).toHaveLength(1);
    expect(NodeChannel.opened[0]).toMatchObject({ url: `ws://127.0.0.1:${bridge.port}/mss/v1`, origin: ORIGIN });
    // Loaded as the extension: its principal for the load and the triggering.
    expect(NodeChannel.opened[0]!.loadInfo.slice(0, 3)).toEqual([null, x.principal, x.principal]);

    const l = await x.ask("martin");
    expect(l.finished).toEqual({ status: 0, complete: false });
    expect(l.found.map((c) => c.directoryUID)).toEqual([BOOK_ID, BOOK_ID]);
    expect(l.found.map((c) => readVCard(c.vCard).PrimaryEmail)).toEqual([MARTIN.email, DUPONT.email]);
    expect(readVCard(l.found[0]!.vCard).DisplayName).toBe("Claire Martin — Nantes");
    expect(x.book.viaExtension).toEqual(["martin"]); // not asked again
    // The bridge (which accepts only the paired origin) saw the proofs, then the search.
    expect(bridge.calls).toEqual(["session.hello", "session.authenticate", "directory.search"]);
    // What was logged: states only.
    const secretB64 = bytesToBase64(SECRET);
    expect(x.logged.join("\n")).not.toContain(secretB64);
    expect(x.logged.every((line) => line.startsWith("[mss] directory.parent-search"))).toBe(true);
  });

  it("nothing found answers empty at once; the bridge gone, the provider's path answers again", async () => {
    const bridge = await startBridge();
    const x = load();
    await x.api.connect({ pairing: pairing(bridge.port), clientName: "t" });
    await until(() => x.logged.some((l) => l.includes('"state":"connected"')), "the parent connection");
    const none = await x.ask("zzzz");
    expect([none.found, none.finished]).toEqual([[], { status: 0, complete: false }]);
    expect(x.book.viaExtension).toEqual([]);
    const before = x.logged.length;
    await bridge.stop();
    bridges.splice(bridges.indexOf(bridge), 1);
    await until(() => x.logged.slice(before).some((l) => /"state":"(down|connecting)"/.test(l)), "the connection lost");
    await x.ask("martin");
    expect(x.book.viaExtension).toEqual(["martin"]);
  });

  it("a pairing the bridge does not accept never answers the book: the provider's path does", async () => {
    const bridge = await startBridge();
    const x = load();
    await x.api.connect({ pairing: pairing(bridge.port, testSecret(99)), clientName: "t" });
    await until(() => x.logged.some((l) => /"state":"(not-the-bridge|unpaired)"/.test(l)), "the refusal");
    await x.ask("martin");
    expect(x.book.viaExtension).toEqual(["martin"]);
    expect(bridge.calls).not.toContain("directory.search");
  });

  it("disconnect and the add-on's shutdown give the book its own search back", async () => {
    const bridge = await startBridge();
    const x = load();
    await x.api.connect({ pairing: pairing(bridge.port), clientName: "t" });
    expect(Object.hasOwn(x.book, "search")).toBe(true);
    expect(await x.api.disconnect()).toEqual({ ok: true, state: "stopped" });
    expect(Object.hasOwn(x.book, "search")).toBe(false);
    await x.ask("martin");
    expect(x.book.viaExtension).toEqual(["martin"]);
    await x.api.connect({ pairing: pairing(bridge.port), clientName: "t" });
    expect(Object.hasOwn(x.book, "search")).toBe(true);
    x.instance.onShutdown(false);
    expect(Object.hasOwn(x.book, "search")).toBe(false);
  });
});
