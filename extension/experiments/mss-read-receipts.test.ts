/**
 * The mssReadReceipts Experiment's parent code as the .xpi ships it (built by the same function as
 * `npm run build`), run in a sandbox with a fake component registrar and a fake MDN generator:
 * the contract is taken over only while the extension listens and given back to the original
 * class when the last listener goes and at shutdown; the generators it hands out pass every call
 * on and report the GP's answer with the message's account, Message-ID and the receipt's address.
 * That Thunderbird really calls them is proven end to end (test/e2e/receipts-traces.test.ts).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { bundleExperiment } from "../../scripts/build-experiment.mjs";

const API_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "mssReadReceipts");
const SRC = await bundleExperiment(API_DIR);
const SCHEMA = JSON.parse(readFileSync(path.join(API_DIR, "schema.json"), "utf8")) as {
  namespace: string;
  functions?: unknown[];
  events: { name: string; parameters: { $ref: string }[] }[];
}[];
const CONTRACT = "@mozilla.org/messenger-mdn/generator;1";
const MDN_SENT = 0x00800000;

function load() {
  const ORIGINAL = { id: "original-cid" };
  const contracts = new Map<string, unknown>([[CONTRACT, ORIGINAL]]);
  const factories = new Map<unknown, { createInstance(iid: unknown): any } | null>();
  const header = { messageId: "m1@mssante.test", flags: 0 };
  const calls: string[] = [];
  const original = {
    createInstance: () => ({
      process: () => {
        calls.push("process");
        return true;
      },
      userAgreed: () => {
        calls.push("agreed");
        header.flags |= MDN_SENT;
      },
      userDeclined: () => calls.push("declined"),
    }),
  };
  const registrar = {
    contractIDToCID: (c: string) => contracts.get(c),
    registerFactory(cid: unknown, _name: string, contract: string, factory: unknown) {
      contracts.set(contract, cid);
      if (factory) factories.set(cid, factory as { createInstance(iid: unknown): unknown });
    },
    unregisterFactory(cid: unknown) {
      factories.delete(cid);
    },
  };
  /** What `Cc[CONTRACT].createInstance()` gives now. */
  const create = () => {
    const cid = contracts.get(CONTRACT);
    return cid === ORIGINAL ? original.createInstance() : factories.get(cid)!.createInstance("nsIMsgMdnGenerator");
  };
  const listeners: ((a: unknown) => void)[] = [];
  let unregister: (() => void) | null = null;
  class EventManager {
    constructor(private readonly o: { register(fire: { async(a: unknown): unknown }): () => void }) {}
    api() {
      return {
        addListener: (l: (a: unknown) => void) => {
          listeners.push(l);
          unregister = this.o.register({ async: (a) => l(a) });
        },
        removeListener: () => unregister?.(),
      };
    }
  }
  const sandbox: Record<string, any> = {
    ChromeUtils: {
      importESModule(url: string) {
        if (url.includes("ExtensionCommon")) return { ExtensionCommon: { ExtensionAPI: class {}, EventManager } };
        if (url.includes("MailServices"))
          return {
            MailServices: {
              accounts: { findAccountForServer: (s: { key: string }) => ({ key: s.key }) },
              headerParser: { extractHeaderAddressMailboxes: (h: string) => h.replace(/.*<([^>]+)>.*/, "$1") },
            },
          };
        throw new Error(`unexpected module ${url}`);
      },
      generateQI: () =>
        function (this: unknown) {
          return this;
        },
    },
    Components: {
      manager: { QueryInterface: () => registrar, getClassObject: (cid: unknown) => (cid === ORIGINAL ? original : null) },
      interfaces: { nsIComponentRegistrar: {}, nsIFactory: {}, nsIMsgMdnGenerator: {}, nsMsgMessageFlags: { MDNReportSent: MDN_SENT } },
      ID: (s: string) => ({ id: s }),
    },
  };
  vm.createContext(sandbox);
  vm.runInContext(SRC, sandbox, { filename: "implementation.js" });
  const instance = new sandbox.mssReadReceipts({});
  const api = instance.getAPI({}).mssReadReceipts;
  const folder = { server: { key: "account2" }, GetMessageHeader: () => header };
  const headers = { extractHeader: (n: string) => (n === "Disposition-Notification-To" ? '"Dr H" <helene@mssante.test>' : null) };
  return { api, instance, contracts, ORIGINAL, create, calls, folder, headers, globals: Object.keys(sandbox) };
}

describe("mssReadReceipts Experiment (parent code)", () => {
  it("schema.json declares one event, onAnswered, and no function; the bundle defines one global", () => {
    expect(SCHEMA).toHaveLength(1);
    expect(SCHEMA[0]!.namespace).toBe("mssReadReceipts");
    expect(SCHEMA[0]!.functions).toBeUndefined();
    expect(SCHEMA[0]!.events.map((e) => e.name)).toEqual(["onAnswered"]);
    expect(load().globals.sort()).toEqual(["ChromeUtils", "Components", "mssReadReceipts"]);
  });

  it("takes the MDN generator's contract only while listened to, and gives it back to the original", () => {
    const x = load();
    expect(x.contracts.get(CONTRACT)).toBe(x.ORIGINAL);
    const answers: unknown[] = [];
    const listener = (a: unknown) => answers.push(a);
    x.api.onAnswered.addListener(listener);
    expect(x.contracts.get(CONTRACT)).not.toBe(x.ORIGINAL);

    const g = x.create();
    expect(g.process(0, {}, x.folder, 7, x.headers, false)).toBe(true);
    g.userAgreed();
    expect(x.calls).toEqual(["process", "agreed"]);
    expect(answers).toEqual([
      { accountId: "account2", messageId: "m1@mssante.test", to: "helene@mssante.test", outcome: "sent", automatic: false },
    ]);

    x.api.onAnswered.removeListener(listener);
    expect(x.contracts.get(CONTRACT)).toBe(x.ORIGINAL);
    x.create().process(0, {}, x.folder, 8, x.headers, false);
    expect(answers).toHaveLength(1);
  });

  it("gives the contract back at shutdown", () => {
    const x = load();
    x.api.onAnswered.addListener(() => undefined);
    x.instance.onShutdown(false);
    expect(x.contracts.get(CONTRACT)).toBe(x.ORIGINAL);
  });
});
