/* TEST ONLY — the end-to-end driver's parent-process code. Never part of the shipped .xpi.
 *
 * 1. Answers NSS's token PIN prompt with the test token's PIN (pref mss.e2e.pin): headless
 *    Thunderbird would otherwise wait forever on it. Done by registering our own
 *    "@mozilla.org/prompter;1" factory: NSS gets its prompter from the window watcher, which asks
 *    that contract for an nsIPromptFactory each time. Everything but the password prompt is handed
 *    to the original prompter.
 * 2. Records every prompt and every dialog window (common dialogs, the client-certificate chooser),
 *    and closes alerts after recording them, so a headless run never blocks on a modal and the test
 *    can assert what the user would have been told.
 * 3. Runs chrome-level code sent by the test in a system-principal sandbox (like Marionette's chrome
 *    context), so the tests can inspect accounts, servers, folders, NSS and the extension's pages.
 */
/* global ChromeUtils, Components, Services, dump */
// Everything lives in a closure: experiment scripts share one global with other experiments
// (and that global already defines Cc/Ci/Cu), so top-level const/let would collide.
((exports) => {
  const { ExtensionCommon } = ChromeUtils.importESModule("resource://gre/modules/ExtensionCommon.sys.mjs");
  const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
  const { setTimeout, clearTimeout } = ChromeUtils.importESModule("resource://gre/modules/Timer.sys.mjs");

  const Cc = Components.classes;
  const Ci = Components.interfaces;
  const Cu = Components.utils;
  const Cr = Components.results;
  const PROMPTER_CONTRACT = "@mozilla.org/prompter;1";
  const DRIVER_CID = Components.ID("{5b0c7a36-3f0e-4a57-9a8e-2f1c6e0de2a1}");

  /** Shared with the sandbox: what happened, and how to answer. */
  const state = {
    events: [],
    pinPrompts: 0,
    /** null = use the pref; "" = cancel the prompt (as a user pressing Cancel). */
    pinOverride: null,
    /** Close alert dialogs automatically after recording them. */
    autoCloseAlerts: true,
  };

  function record(kind, detail) {
    state.events.push({ kind, at: Date.now(), ...detail });
    if (state.events.length > 500) state.events.splice(0, 100);
  }

  function testPin() {
    if (state.pinOverride !== null) return state.pinOverride;
    return Services.prefs.getStringPref("mss.e2e.pin", "");
  }

  let originalFactory = null;
  let originalCID = null;

  function wrapPrompt(inner) {
    const call = (name, args) => inner[name](...args);
    return {
      QueryInterface: ChromeUtils.generateQI([Ci.nsIPrompt]),
      alert(...a) {
        record("alert", { title: a[0], text: a[1] });
        return call("alert", a);
      },
      alertCheck(...a) {
        record("alert", { title: a[0], text: a[1] });
        return call("alertCheck", a);
      },
      confirm(...a) {
        record("confirm", { title: a[0], text: a[1] });
        return call("confirm", a);
      },
      confirmCheck(...a) {
        record("confirm", { title: a[0], text: a[1] });
        return call("confirmCheck", a);
      },
      confirmEx(...a) {
        record("confirm", { title: a[0], text: a[1] });
        return call("confirmEx", a);
      },
      prompt(...a) {
        record("prompt", { title: a[0], text: a[1] });
        return call("prompt", a);
      },
      promptPassword(title, text, password, _checkMsg, _checkState) {
        state.pinPrompts++;
        const pin = testPin();
        record("pin-prompt", { title, text, answered: pin !== "" });
        if (pin === "") return false;
        password.value = pin;
        return true;
      },
      promptUsernameAndPassword(...a) {
        record("prompt", { title: a[0], text: a[1], kind: "username-password" });
        return call("promptUsernameAndPassword", a);
      },
      select(...a) {
        record("prompt", { title: a[0], text: a[1], kind: "select" });
        return call("select", a);
      },
    };
  }

  const factory = {
    QueryInterface: ChromeUtils.generateQI([Ci.nsIFactory, Ci.nsIPromptFactory]),
    createInstance(iid) {
      return this.QueryInterface(iid);
    },
    getPrompt(domWin, iid) {
      const inner = originalFactory.getPrompt(domWin, Ci.nsIPrompt);
      if (iid.equals(Ci.nsIPrompt)) return wrapPrompt(inner.QueryInterface(Ci.nsIPrompt));
      return originalFactory.getPrompt(domWin, iid);
    },
  };

  function dialogText(doc) {
    const el = doc.getElementById("infoBody") || doc.getElementById("info.body") || doc.body || doc.documentElement;
    return (el?.textContent ? el.textContent : "").trim().slice(0, 2000);
  }

  const dialogObserver = {
    observe(subject, topic) {
      try {
        const win = subject;
        const doc = win.document;
        const title = doc.title || doc.getElementById("infoTitle")?.textContent || "";
        const text = dialogText(doc);
        const passwordField = doc.getElementById("password1Textbox");
        const isPassword = passwordField && !passwordField.hidden && passwordField.closest && !passwordField.closest("[hidden]");
        record("dialog", { topic, title, text, password: !!isPassword });
        if (isPassword) {
          // A token password dialog that did not come through our factory (a prompt service call).
          state.pinPrompts++;
          const pin = testPin();
          const dialog = doc.querySelector("dialog");
          if (pin === "") dialog.cancelDialog();
          else {
            passwordField.value = pin;
            dialog.acceptDialog();
          }
          return;
        }
        if (state.autoCloseAlerts) {
          const dialog = doc.querySelector("dialog");
          // Let the dialog finish its own load handling before closing it.
          setTimeout(() => {
            try {
              dialog.getButton("accept") ? dialog.acceptDialog() : win.close();
            } catch {
              win.close();
            }
          }, 50);
        }
      } catch (e) {
        record("driver-error", { where: "dialogObserver", text: String(e) });
      }
    },
  };

  const windowObserver = {
    observe(subject, topic) {
      if (topic !== "domwindowopened") return;
      const win = subject;
      win.addEventListener(
        "load",
        () => {
          const url = win.location ? win.location.href : "";
          record("window", { url, title: win.document ? win.document.title : "" });
          // The client-certificate chooser must never appear when the extension remembered the
          // card's certificate for the server; record it and cancel so a run cannot hang on it.
          if (/clientauthask/.test(url)) {
            try {
              win.document.querySelector("dialog").cancelDialog();
            } catch {
              win.close();
            }
          }
        },
        { once: true },
      );
    },
  };

  let actorRegistered = false;
  /** Lets parent code reach the extension pages' DOM (they live in the extension process). */
  function registerPageActor(extension) {
    if (actorRegistered || !extension) return;
    actorRegistered = true;
    try {
      const res = Services.io.getProtocolHandler("resource").QueryInterface(Ci.nsIResProtocolHandler);
      res.setSubstitution("mss-e2e-driver", extension.rootURI);
      ChromeUtils.registerWindowActor("MssE2EPage", {
        child: { esModuleURI: "resource://mss-e2e-driver/api/mssDriver/PageChild.sys.mjs" },
        remoteTypes: ["extension"],
        allFrames: true,
      });
    } catch (e) {
      dump(`[mss-e2e-driver] registering the page actor failed: ${describeError(e)}\n`);
      record("driver-error", { where: "registerPageActor", text: describeError(e) });
    }
  }

  function unregisterPageActor() {
    if (!actorRegistered) return;
    actorRegistered = false;
    try {
      ChromeUtils.unregisterWindowActor("MssE2EPage");
      Services.io.getProtocolHandler("resource").QueryInterface(Ci.nsIResProtocolHandler).setSubstitution("mss-e2e-driver", null);
    } catch {
      /* shutting down */
    }
  }

  let installed = false;
  function installHooks() {
    if (installed) return;
    installed = true;
    try {
      installHooksUnsafe();
    } catch (e) {
      // Reported on stdout: an exception here would otherwise only surface as
      // "An unexpected error occurred" in the background page.
      dump(`[mss-e2e-driver] installing hooks failed: ${describeError(e)}\n`);
      record("driver-error", { where: "installHooks", text: describeError(e) });
    }
  }

  function installHooksUnsafe() {
    const registrar = Components.manager.QueryInterface(Ci.nsIComponentRegistrar);
    originalCID = registrar.contractIDToCID(PROMPTER_CONTRACT);
    // Take the original service before re-registering the contract (Components.classesByID is not
    // available in the experiments' global).
    originalFactory = Cc[PROMPTER_CONTRACT].getService(Ci.nsIPromptFactory);
    registrar.registerFactory(DRIVER_CID, "MSSanté e2e driver prompter (test only)", PROMPTER_CONTRACT, factory);
    Services.obs.addObserver(dialogObserver, "common-dialog-loaded");
    Services.obs.addObserver(dialogObserver, "tabmodal-dialog-loaded");
    Services.ww.registerNotification(windowObserver);
    record("driver", { text: "hooks installed" });
  }

  function uninstallHooks() {
    if (!installed) return;
    installed = false;
    try {
      const registrar = Components.manager.QueryInterface(Ci.nsIComponentRegistrar);
      registrar.unregisterFactory(DRIVER_CID, factory);
      registrar.registerFactory(originalCID, "", PROMPTER_CONTRACT, null);
    } catch {
      /* shutting down */
    }
    Services.obs.removeObserver(dialogObserver, "common-dialog-loaded");
    Services.obs.removeObserver(dialogObserver, "tabmodal-dialog-loaded");
    Services.ww.unregisterNotification(windowObserver);
  }

  let sandbox = null;
  function getSandbox() {
    if (sandbox) return sandbox;
    sandbox = Cu.Sandbox(Services.scriptSecurityManager.getSystemPrincipal(), {
      sandboxName: "mss-e2e-driver",
      wantComponents: true,
      wantGlobalProperties: ["ChromeUtils", "IOUtils", "PathUtils", "TextDecoder", "TextEncoder", "URL", "atob", "btoa"],
    });
    Object.assign(sandbox, { Services, MailServices, Cc, Ci, Cu, Cr, setTimeout, clearTimeout, driverState: state, record });
    return sandbox;
  }

  function describeError(e) {
    if (!e) return "unknown error";
    const name = e.name || "";
    const msg = e.message || String(e);
    const res = typeof e.result === "number" ? ` (0x${(e.result >>> 0).toString(16)})` : "";
    const stack = e.stack ? `\n${String(e.stack).split("\n").slice(0, 6).join("\n")}` : "";
    return `${name ? `${name}: ` : ""}${msg}${res}${stack}`;
  }

  exports.mssDriver = class extends ExtensionCommon.ExtensionAPI {
    onStartup() {
      installHooks();
      registerPageActor(this.extension);
    }
    onShutdown(isAppShutdown) {
      if (!isAppShutdown) {
        uninstallHooks();
        unregisterPageActor();
      }
    }
    getAPI(context) {
      installHooks();
      registerPageActor(context.extension);
      return {
        mssDriver: {
          async config() {
            return {
              ok: true,
              value: {
                port: Services.prefs.getIntPref("mss.e2e.driverPort", 0),
                token: Services.prefs.getStringPref("mss.e2e.driverToken", ""),
              },
            };
          },
          async evalChrome(code, args) {
            try {
              const sb = getSandbox();
              sb.argsJson = JSON.stringify(args === undefined ? null : args);
              const fn = Cu.evalInSandbox(
                `(async function () { const args = JSON.parse(argsJson); const r = await (async () => {\n${code}\n})(); return JSON.stringify(r === undefined ? null : r); })`,
                sb,
                "latest",
                "mss-e2e-driver-chrome.js",
                1,
              );
              const json = await fn();
              return { ok: true, value: JSON.parse(json) };
            } catch (e) {
              return { ok: false, error: describeError(e) };
            }
          },
          async prompts() {
            return { ok: true, value: { pinPrompts: state.pinPrompts, events: state.events.slice() } };
          },
        },
      };
    }
  };
})(this);
