/**
 * The mssComposeFields Experiment's parent code as the .xpi ships it (built by the same function
 * as `npm run build`), in a sandbox with fake compose windows (ExtensionSupport's listener, a fake
 * document and MutationObserver) and preferences: only fields with Thunderbird's 200 ms get 0, rows
 * added later too, everything is given back on disable and at shutdown, and nothing changes when an
 * LDAP directory serves autocomplete. That a real compose window searches at once is shown end to
 * end (test/e2e/daily-use.test.ts) and measured (npm run bench:keystrokes).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { bundleExperiment } from "../../scripts/build-experiment.mjs";

const API_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "mssComposeFields");
const SRC = await bundleExperiment(API_DIR);
const SCHEMA = JSON.parse(readFileSync(path.join(API_DIR, "schema.json"), "utf8")) as {
  namespace: string;
  functions: { name: string; parameters: unknown[] }[];
}[];

class FakeInput {
  attrs = new Map<string, string>();
  constructor(timeout: string) {
    this.attrs.set("timeout", timeout);
  }
  hasAttribute(n: string) {
    return this.attrs.has(n);
  }
  getAttribute(n: string) {
    return this.attrs.get(n) ?? null;
  }
  setAttribute(n: string, v: string) {
    this.attrs.set(n, v);
  }
  removeAttribute(n: string) {
    this.attrs.delete(n);
  }
}

function composeWindow(timeouts: string[]) {
  const inputs = timeouts.map((t) => new FakeInput(t));
  const observers: (() => void)[] = [];
  const w = {
    inputs,
    document: {
      documentElement: {},
      getElementById: () => null,
      querySelectorAll: (sel: string) =>
        sel.includes("[data-mss-search-delay]") ? inputs.filter((i) => i.attrs.has("data-mss-search-delay")) : inputs,
    },
    MutationObserver: class {
      constructor(private readonly fn: () => void) {}
      observe() {
        observers.push(this.fn);
      }
      disconnect() {
        observers.splice(observers.indexOf(this.fn), 1);
      }
    },
    /** A recipient row added (Cc, Bcc…): the observers run. */
    addRow(timeout: string) {
      inputs.push(new FakeInput(timeout));
      for (const o of [...observers]) o();
    },
    observers,
  };
  return w;
}

function load(prefs: Record<string, boolean | string> = {}) {
  const hooks = new Map<string, { onLoadWindow(w: unknown): void; onUnloadWindow(w: unknown): void }>();
  const open: ReturnType<typeof composeWindow>[] = [];
  const sandbox: Record<string, any> = {
    ChromeUtils: {
      importESModule(url: string) {
        if (url.includes("ExtensionCommon")) return { ExtensionCommon: { ExtensionAPI: class {} } };
        if (url.includes("ExtensionSupport"))
          return {
            ExtensionSupport: {
              registerWindowListener(id: string, hook: any) {
                hooks.set(id, hook);
                for (const w of open) hook.onLoadWindow(w);
                return true;
              },
              unregisterWindowListener: (id: string) => hooks.delete(id),
            },
          };
        throw new Error(`unexpected module ${url}`);
      },
    },
    Services: {
      prefs: {
        getBoolPref: (n: string, d: boolean) => (typeof prefs[n] === "boolean" ? prefs[n] : d),
        getCharPref: (n: string, d: string) => (typeof prefs[n] === "string" ? prefs[n] : d),
        getChildList: (root: string) => Object.keys(prefs).filter((k) => k.startsWith(root)),
      },
    },
  };
  vm.createContext(sandbox);
  vm.runInContext(SRC, sandbox, { filename: "implementation.js" });
  const instance = new sandbox.mssComposeFields({});
  const api = instance.getAPI({}).mssComposeFields;
  const openWindow = (timeouts: string[]) => {
    const w = composeWindow(timeouts);
    open.push(w);
    for (const h of hooks.values()) h.onLoadWindow(w);
    return w;
  };
  return { api, instance, hooks, openWindow, globals: Object.keys(sandbox) };
}

const timeouts = (w: ReturnType<typeof composeWindow>) => w.inputs.map((i) => i.getAttribute("timeout"));

describe("mssComposeFields Experiment (parent code)", () => {
  it("schema.json declares searchRecipientsAtOnce(enabled); the bundle defines one global", () => {
    expect(SCHEMA[0]!.namespace).toBe("mssComposeFields");
    expect(SCHEMA[0]!.functions.map((f) => [f.name, f.parameters.length])).toEqual([["searchRecipientsAtOnce", 1]]);
    expect(load().globals.sort()).toEqual(["ChromeUtils", "Services", "mssComposeFields"]);
  });

  it("fields with Thunderbird's 200 ms search at once, in open windows and rows added later; others are left; disable gives 200 back", async () => {
    const x = load();
    const before = x.openWindow(["200", "500"]);
    expect(await x.api.searchRecipientsAtOnce(true)).toEqual({ ok: true, applied: true, reason: "applied" });
    expect(timeouts(before)).toEqual(["0", "500"]);
    const later = x.openWindow(["200"]);
    later.addRow("200");
    expect(timeouts(later)).toEqual(["0", "0"]);
    // A delay set again on a field already changed (another add-on, a benchmark) is left as set.
    later.inputs[0]!.setAttribute("timeout", "200");
    later.addRow("200");
    expect(timeouts(later)).toEqual(["200", "0", "0"]);
    expect(await x.api.searchRecipientsAtOnce(false)).toEqual({ ok: true, applied: false, reason: "disabled" });
    expect([timeouts(before), timeouts(later)]).toEqual([
      ["200", "500"],
      ["200", "200", "200"],
    ]);
    expect(x.hooks.size).toBe(0);
    expect(later.observers).toHaveLength(0);
  });

  it("an LDAP directory for autocomplete (global, or an identity's own): Thunderbird's delay stays", async () => {
    const cases: Record<string, boolean | string>[] = [
      { "ldap_2.autoComplete.useDirectory": true },
      { "mail.identity.id2.overrideGlobal_Pref": true, "mail.identity.id2.directoryServer": "ldap_2.servers.hopital" },
    ];
    for (const prefs of cases) {
      const x = load(prefs);
      const w = x.openWindow(["200"]);
      expect(await x.api.searchRecipientsAtOnce(true)).toEqual({ ok: true, applied: false, reason: "ldap-autocomplete" });
      expect(timeouts(w)).toEqual(["200"]);
      expect(x.hooks.size).toBe(0);
    }
  });

  it("the add-on's shutdown gives the delay back", async () => {
    const x = load();
    const w = x.openWindow(["200"]);
    await x.api.searchRecipientsAtOnce(true);
    x.instance.onShutdown(false);
    expect(timeouts(w)).toEqual(["200"]);
    expect(x.hooks.size).toBe(0);
  });
});
